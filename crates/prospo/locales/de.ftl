# Prospos öffentliche Seiten und E-Mails an Eingeladene, auf Deutsch (Anrede: „Sie“). Jeder
# Schlüssel steht auch in en.ftl, mit denselben Variablen (ein Test prüft das).

## Layout

skip-to-content = Zum Inhalt springen
language-label = Sprache

## Facts about an event type

duration-minutes = { $count } Min.
location-zoom = Zoom
location-phone = Telefonanruf
location-in-person = Vor Ort
location-link = Eigener Link
location-other = Sonstiges
fact-duration = Dauer
fact-where = Ort
optional = (optional)

## The public profile

profile-book-a-time = Termin buchen
profile-no-events = Noch keine öffentlichen Terminarten.

## The booking page

book-page-title = { $event } mit { $host }
book-pick = Wählen Sie einen Tag und eine Uhrzeit
book-your-time = Ihr Termin
book-change = Ändern
book-your-name = Ihr Name
book-email = E-Mail
book-notes = Anmerkungen
book-notes-placeholder = Alles, was bei der Vorbereitung des Gesprächs hilft
book-choose = Bitte wählen…
book-confirm = Bestätigen
book-not-open-title = Buchungen sind noch nicht möglich
book-not-open = Diese Termine können derzeit nicht gebucht werden.
book-not-open-fix = Bitte versuchen Sie es später erneut oder wenden Sie sich direkt an { $host }.

## Refusals on the booking and manage pages

error-name = Geben Sie Ihren Namen ein (bis zu 100 Zeichen).
error-email = Geben Sie eine E-Mail-Adresse wie name@example.com ein.
error-pick-first = Wählen Sie zuerst einen Tag und eine Uhrzeit.
error-pick-new-first = Wählen Sie zuerst einen neuen Tag und eine neue Uhrzeit.
error-answer-tick = Setzen Sie hier ein Häkchen, um zu buchen.
error-answer-choose = Wählen Sie eine der Optionen.
error-answer-text = Bitte beantworten Sie diese Frage.
error-answer-invalid = Diese Antwort kann nicht verwendet werden. Bitte überprüfen Sie sie.
error-slot-taken = Dieser Termin wurde gerade vergeben. Bitte wählen Sie einen anderen.
error-not-available = Dieser Termin kann nicht gebucht werden. Bitte wählen Sie eine der angebotenen Uhrzeiten.
error-not-bookable = Dieser Termin kann derzeit nicht gebucht werden. Bitte versuchen Sie es später erneut.
error-cancelled = Dieser Termin wurde abgesagt.
error-too-many-changes = Diese Buchung wurde heute zu oft geändert. Bitte wenden Sie sich an den Gastgeber.
error-too-many-requests = Zu viele Versuche. Bitte warten Sie eine Minute und versuchen Sie es dann erneut.
error-calendar-unavailable = Der Kalender des Gastgebers kann gerade nicht abgefragt werden. Bitte versuchen Sie es in einer Minute erneut.
error-page-not-found = Seite nicht gefunden
error-page-not-found-detail = Die angeforderte Seite gibt es nicht, oder Sie können sie nicht sehen.
error-page-still-working = Wird noch bearbeitet
error-page-still-working-detail = Dieses Formular wurde zweimal gesendet, und das erste Senden wird noch bearbeitet. Warten Sie einen Moment und laden Sie die Seite dann neu.
error-page-internal = Etwas ist schiefgelaufen
error-page-internal-detail = Bei uns ist etwas schiefgelaufen. Bitte versuchen Sie es gleich noch einmal.
error-page-home = Zu Prospo

## The day-and-time picker

picker-times-shown-in = Uhrzeiten angezeigt in
picker-show-times = Uhrzeiten anzeigen
picker-fallback-legend = Freie Termine in den nächsten zwei Wochen
picker-none = Keine freien Termine in den nächsten zwei Wochen.

## Words the page's script shows; it fills in the variables itself, and picks -one or -other
## by the language's plural rules

js-loading = Freie Termine werden geladen…
js-load-failed = Die freien Termine konnten nicht geladen werden.
js-try-again = Erneut versuchen
js-days-free-one = 1 Tag mit freien Terminen im { $month }.
js-days-free-other = { $count } Tage mit freien Terminen im { $month }.
js-no-days = Keine freien Termine im { $month }. Versuchen Sie es im nächsten Monat.
js-prev-month = Vorheriger Monat
js-next-month = Nächster Monat
js-day-times-one = { $day }, 1 freier Termin
js-day-times-other = { $day }, { $count } freie Termine
js-pick-day = Wählen Sie einen Tag, um die Uhrzeiten zu sehen.
js-times-on = Freie Termine am { $day }, { $zone }
js-more-below = Weitere Termine unten ↓
js-copied = Kopiert
js-join-zoom = Zoom-Meeting beitreten
js-passcode = Kenncode { $passcode }
js-zoom-failed = Das Zoom-Meeting konnte nicht eingerichtet werden. Der Gastgeber sieht dies auf seiner Meeting-Seite; bitte wenden Sie sich für einen Link an ihn.
js-zone-search = Suchen: Stadt, Zeitzone oder UTC-Versatz
js-zone-search-label = Zeitzonen durchsuchen

## The confirmation and manage page

manage-title-booked = Ihr Termin ist gebucht
manage-title-cancelled = Diese Buchung wurde storniert
manage-title = Ihre Buchung
manage-event-line = { $event } mit { $host } · { $duration } · { $location }
manage-invitation-sent = Eine Einladung wurde an { $email } gesendet.
badge-cancelled = Storniert
badge-held-until = Zurückgestellt bis { $time }
badge-change-pending = Änderung ausstehend
badge-zoom-ready = Zoom-Link bereit
badge-creating = Zoom-Meeting wird erstellt…
zoom-join = Zoom-Meeting beitreten
zoom-passcode = Kenncode
zoom-join-link = Zoom-Beitrittslink
zoom-being-created = Der Zoom-Link wird erstellt…
zoom-failed = Das Zoom-Meeting konnte nicht eingerichtet werden. Der Gastgeber sieht dies auf seiner Meeting-Seite; bitte wenden Sie sich für einen Link an ihn.
add-to-calendar = Zu Ihrem Kalender hinzufügen
add-google = Google
add-outlook = Outlook
add-ics = Apple oder andere (.ics)
manage-link-label = Ihr privater Link zum Verschieben oder Stornieren
copy = Kopieren
manage-link-help = Geben Sie ihn nicht weiter: Jeder mit diesem Link kann die Buchung verschieben oder stornieren.
reschedule-or-cancel = Verschieben oder stornieren
reschedule-title = Verschieben
reschedule-help = Wählen Sie eine neue Uhrzeit. Das Zoom-Meeting wird mitverschoben, der Beitrittslink bleibt gleich.
reschedule-new-time = Neuer Termin
reschedule-submit = Auf diesen Termin verschieben
reschedule-not-online = Diese Buchung kann nicht online verschoben werden. Bitte wenden Sie sich an den Gastgeber.
cancel-title = Stornieren
cancel-open = Buchung stornieren
cancel-question = Diese Buchung stornieren?
cancel-detail = Das Zoom-Meeting wird gelöscht, und sein Link funktioniert nicht mehr.
cancel-reason = Grund
cancel-reason-hint = (optional, für den Gastgeber sichtbar)
cancel-submit = Ja, Buchung stornieren
book-another = Weiteren Termin buchen
flash-moved = Ihre Buchung wurde auf { $when } verschoben. Der Beitrittslink bleibt gleich.
flash-cancelled = Ihre Buchung wurde storniert, und das Zoom-Meeting wird entfernt.

## Dates: the parts come from CLDR, their order from here
## ("Dienstag, 8. Dezember 2026, 15:00 – 15:30 Uhr (Mitteleuropäische Zeit)"; German times are
## always 24-hour, so "Uhr" fits)

when-range = { $date }, { $start } – { $end } Uhr ({ $zone })

## Invitee mails and the invitation (.ics)
## Subjects read "Gebucht: Erstgespräch mit Jane Rivera am Dienstag, 8. Dezember 2026, …":
## $when always starts with the weekday.

invitee-topic = { $event } mit { $host }
mail-booked-subject = Gebucht: { $topic } am { $when }
mail-booked = Ihr Termin ist gebucht.
mail-rescheduled-subject = Verschoben: { $topic } am { $when }
mail-rescheduled = Ihr Termin wurde auf eine neue Uhrzeit verschoben.
mail-cancelled-subject = Abgesagt: { $topic } am { $when }
mail-cancelled = Dieser Termin wurde abgesagt.
mail-reassigned-subject = Neuer Gastgeber: { $topic } am { $when }
mail-reassigned = Ihr Termin hat einen neuen Gastgeber.
mail-zoom-link-subject = Zoom-Link: { $topic } am { $when }
mail-zoom-link = Das Zoom-Meeting ist bereit. Hier ist der Link.
mail-reminder-subject = Erinnerung: { $topic } am { $when }
mail-reminder-in = Ihr Termin beginnt in { $span }.
mail-reminder-soon = Ihr Termin beginnt in Kürze.
mail-when = Wann: { $when }
mail-host = Gastgeber: { $host }
mail-reason = Grund: { $reason }
mail-join = Zoom-Meeting beitreten
mail-join-line = Zoom-Meeting beitreten: { $url }
mail-meeting-id = Meeting-ID: { $id }
mail-passcode = Kenncode: { $passcode }
mail-dial-in = Telefonische Einwahl:
mail-toll-free = gebührenfrei
mail-zoom-pending = Das Zoom-Meeting wird gerade erstellt: Der Link folgt in einer separaten E-Mail.
mail-manage = Verschieben oder stornieren
mail-sent-by = Gesendet von Prospo
ics-join = Beitreten: { $place }
ics-manage = Verschieben oder stornieren: { $url }

# Spans follow "in" (mail-reminder-in), so the plurals are dative: "in 3 Tagen".
span-weeks = { $count ->
    [one] 1 Woche
   *[other] { $count } Wochen
}
span-days = { $count ->
    [one] 1 Tag
   *[other] { $count } Tagen
}
span-hours = { $count ->
    [one] 1 Stunde
   *[other] { $count } Stunden
}
span-minutes = { $count ->
    [one] 1 Minute
   *[other] { $count } Minuten
}
