# Les pages publiques de Prospo et les e-mails aux invités, en français (vouvoiement). Chaque clé
# de en.ftl est ici, avec les mêmes variables (un test le vérifie). Espaces insécables : U+00A0
# avant « : », U+202F avant « ; ! ? ».

## Layout

skip-to-content = Aller au contenu
language-label = Langue

## Facts about an event type

duration-minutes = { $count } min
location-zoom = Zoom
location-phone = Appel téléphonique
location-in-person = En personne
location-link = Lien personnalisé
location-other = Autre
fact-duration = Durée
fact-where = Lieu
optional = (facultatif)

## The public profile

profile-book-a-time = Réserver un créneau
profile-no-events = Aucun type de rendez-vous public pour le moment.

## The booking page

book-page-title = { $event } avec { $host }
book-pick = Choisissez un jour et une heure
book-your-time = Votre créneau
book-change = Modifier
book-your-name = Votre nom
book-email = E-mail
book-notes = Remarques
book-notes-placeholder = Tout ce qui peut aider à préparer l’appel
book-choose = Choisir…
book-confirm = Confirmer
book-not-open-title = Les réservations ne sont pas encore ouvertes
book-not-open = Ces créneaux ne peuvent pas être réservés pour le moment.
book-not-open-fix = Veuillez réessayer plus tard ou contacter directement { $host }.

## Refusals on the booking and manage pages

error-name = Saisissez votre nom (100 caractères maximum).
error-email = Saisissez une adresse e-mail du type nom@example.com.
error-pick-first = Choisissez d’abord un jour et une heure.
error-pick-new-first = Choisissez d’abord un nouveau jour et une nouvelle heure.
error-answer-tick = Cochez cette case pour réserver.
error-answer-choose = Choisissez l’une des options.
error-answer-text = Veuillez répondre à cette question.
error-answer-invalid = Cette réponse ne peut pas être utilisée. Veuillez la vérifier.
error-slot-taken = Ce créneau vient d’être réservé. Veuillez en choisir un autre.
error-not-available = Ce créneau ne peut pas être réservé. Veuillez choisir l’un des créneaux proposés.
error-not-bookable = Ce rendez-vous ne peut pas être réservé pour le moment. Veuillez réessayer plus tard.
error-cancelled = Ce rendez-vous a été annulé.
error-too-many-changes = Cette réservation a été modifiée trop souvent aujourd’hui. Veuillez contacter l’organisateur.
error-too-many-requests = Trop de tentatives. Veuillez patienter une minute, puis réessayer.
error-calendar-unavailable = L’agenda de l’organisateur ne peut pas être consulté pour le moment. Veuillez réessayer dans une minute.
error-page-not-found = Page introuvable
error-page-not-found-detail = La page demandée n’existe pas, ou vous ne pouvez pas la voir.
error-page-still-working = Traitement en cours
error-page-still-working-detail = Ce formulaire a été envoyé deux fois et le premier envoi est encore en cours de traitement. Patientez un instant, puis rechargez cette page.
error-page-internal = Une erreur s’est produite
error-page-internal-detail = Une erreur s’est produite de notre côté. Veuillez réessayer dans un instant.
error-page-home = Aller sur Prospo

## The day-and-time picker

picker-times-shown-in = Horaires affichés dans le fuseau
picker-show-times = Afficher les horaires
picker-fallback-legend = Créneaux disponibles dans les deux prochaines semaines
picker-none = Aucun créneau disponible dans les deux prochaines semaines.

## Words the page's script shows; it fills in the variables itself, and picks -one or -other
## by the language's plural rules

js-loading = Chargement des créneaux disponibles…
js-load-failed = Impossible de charger les créneaux disponibles.
js-try-again = Réessayer
js-days-free-one = 1 jour avec des créneaux disponibles en { $month }.
js-days-free-other = { $count } jours avec des créneaux disponibles en { $month }.
js-no-days = Aucun créneau disponible en { $month }. Essayez le mois suivant.
js-prev-month = Mois précédent
js-next-month = Mois suivant
js-day-times-one = { $day }, 1 créneau disponible
js-day-times-other = { $day }, { $count } créneaux disponibles
js-pick-day = Choisissez un jour pour afficher ses créneaux.
js-times-on = Créneaux disponibles le { $day }, { $zone }
js-more-below = Autres créneaux ci-dessous ↓
js-copied = Copié
js-join-zoom = Rejoindre la réunion Zoom
js-passcode = Code secret { $passcode }
js-zoom-failed = La réunion Zoom n’a pas pu être créée. L’organisateur le voit sur sa page de rendez-vous ; veuillez le contacter pour obtenir un lien.
js-zone-search = Rechercher : ville, fuseau ou décalage UTC
js-zone-search-label = Rechercher un fuseau horaire

## The confirmation and manage page

manage-title-booked = Votre rendez-vous est confirmé
manage-title-cancelled = Cette réservation est annulée
manage-title = Votre réservation
manage-event-line = { $event } avec { $host } · { $duration } · { $location }
manage-invitation-sent = Une invitation a été envoyée à { $email }.
badge-cancelled = Annulée
badge-held-until = En attente jusqu’à { $time }
badge-change-pending = Modification en attente
badge-zoom-ready = Lien Zoom prêt
badge-creating = Création de la réunion Zoom…
zoom-join = Rejoindre la réunion Zoom
zoom-passcode = Code secret
zoom-join-link = Lien de participation Zoom
zoom-being-created = Le lien Zoom est en cours de création…
zoom-failed = La réunion Zoom n’a pas pu être créée. L’organisateur le voit sur sa page de rendez-vous ; veuillez le contacter pour obtenir un lien.
add-to-calendar = Ajouter à votre agenda
add-google = Google
add-outlook = Outlook
add-ics = Apple ou autre (.ics)
manage-link-label = Votre lien personnel pour reprogrammer ou annuler
copy = Copier
manage-link-help = Gardez-le pour vous : toute personne disposant de ce lien peut déplacer ou annuler la réservation.
reschedule-or-cancel = Reprogrammer ou annuler
reschedule-title = Reprogrammer
reschedule-help = Choisissez un nouveau créneau. La réunion Zoom est déplacée en même temps et son lien de participation reste le même.
reschedule-new-time = Nouveau créneau
reschedule-submit = Reprogrammer sur ce créneau
reschedule-not-online = Cette réservation ne peut pas être déplacée en ligne. Veuillez contacter l’organisateur.
cancel-title = Annuler
cancel-open = Annuler la réservation
cancel-question = Annuler cette réservation ?
cancel-detail = La réunion Zoom sera supprimée et son lien ne fonctionnera plus.
cancel-reason = Motif
cancel-reason-hint = (facultatif, visible par l’organisateur)
cancel-submit = Oui, annuler la réservation
book-another = Réserver un autre créneau
flash-moved = Votre réservation a été déplacée au { $when }. Le lien de participation reste le même.
flash-cancelled = Votre réservation est annulée et sa réunion Zoom est en cours de suppression.

## Dates: the parts come from CLDR, their order from here
## ("mardi 8 décembre 2026, de 15:00 à 15:30 (heure d’Europe centrale)")

when-range = { $date }, de { $start } à { $end } ({ $zone })

## Invitee mails and the invitation (.ics)

invitee-topic = { $event } avec { $host }
mail-booked-subject = Réservé : { $topic } — { $when }
mail-booked = Votre rendez-vous est confirmé.
mail-rescheduled-subject = Reprogrammé : { $topic } — { $when }
mail-rescheduled = Votre rendez-vous a un nouvel horaire.
mail-cancelled-subject = Annulé : { $topic } — { $when }
mail-cancelled = Ce rendez-vous est annulé.
mail-reassigned-subject = Nouvel organisateur : { $topic } — { $when }
mail-reassigned = Votre rendez-vous a un nouvel organisateur.
mail-zoom-link-subject = Lien Zoom : { $topic } — { $when }
mail-zoom-link = La réunion Zoom est prête. Voici son lien.
mail-reminder-subject = Rappel : { $topic } — { $when }
mail-reminder-in = Votre rendez-vous commence dans { $span }.
mail-reminder-soon = Votre rendez-vous approche.
mail-when = Quand : { $when }
mail-host = Organisateur : { $host }
mail-reason = Motif : { $reason }
mail-join = Rejoindre la réunion Zoom
mail-join-line = Rejoindre la réunion Zoom : { $url }
mail-meeting-id = ID de réunion : { $id }
mail-passcode = Code secret : { $passcode }
mail-dial-in = Rejoindre par téléphone :
mail-toll-free = numéro gratuit
mail-zoom-pending = La réunion Zoom est en cours de création : son lien suivra dans un e-mail séparé.
mail-manage = Reprogrammer ou annuler
mail-sent-by = Envoyé par Prospo
ics-join = Rejoindre : { $place }
ics-manage = Reprogrammer ou annuler : { $url }

# French "one" covers 0 and 1, so the count is written out rather than a literal 1.
span-weeks = { $count ->
    [one] { $count } semaine
   *[other] { $count } semaines
}
span-days = { $count ->
    [one] { $count } jour
   *[other] { $count } jours
}
span-hours = { $count ->
    [one] { $count } heure
   *[other] { $count } heures
}
span-minutes = { $count ->
    [one] { $count } minute
   *[other] { $count } minutes
}
