# Prospo's public pages and invitee mails, in English. Every key here is in every other file
# (a test checks it), with the same variables. Host pages stay English and are not here.

## Layout

skip-to-content = Skip to content
language-label = Language

## Facts about an event type

duration-minutes = { $count } min
location-zoom = Zoom
location-phone = Phone call
location-in-person = In person
location-link = Custom link
location-other = Other
fact-duration = Duration
fact-where = Where
optional = (optional)

## The public profile

profile-book-a-time = Book a time
profile-no-events = No public event types yet.

## The booking page

book-page-title = { $event } with { $host }
book-pick = Pick a day and time
book-your-time = Your time
book-change = Change
book-your-name = Your name
book-email = Email
book-notes = Notes
book-notes-placeholder = Anything that helps prepare the call
book-choose = Choose…
book-confirm = Confirm
book-not-open-title = Booking is not open yet
book-not-open = These times cannot be booked right now.
book-not-open-fix = Please try again later, or contact { $host } directly.

## Refusals on the booking and manage pages

error-name = Enter your name (up to 100 characters).
error-email = Enter an email address like name@example.com.
error-pick-first = Pick a day and a time first.
error-pick-new-first = Pick a new day and time first.
error-answer-tick = Tick this box to book.
error-answer-choose = Choose one of the options.
error-answer-text = Please answer this question.
error-answer-invalid = This answer cannot be used. Please check it.
error-slot-taken = This time was just taken. Please pick another one.
error-not-available = This time cannot be booked. Please pick one of the offered times.
error-not-bookable = This meeting cannot be booked right now. Please try again later.
error-cancelled = This meeting was cancelled.
error-too-many-changes = This booking was changed too often today. Please contact the host.
error-too-many-requests = Too many attempts. Please wait a minute and try again.
error-calendar-unavailable = The host's calendar cannot be checked right now. Please try again in a minute.
error-page-not-found = Page not found
error-page-not-found-detail = The page you asked for does not exist, or you cannot see it.
error-page-still-working = Still working on it
error-page-still-working-detail = This form was sent twice and the first is still being answered. Wait a moment, then reload this page.
error-page-internal = Something went wrong
error-page-internal-detail = Something went wrong on our side. Please try again in a moment.
error-page-home = Go to Prospo

## The day-and-time picker

picker-times-shown-in = Times shown in
picker-show-times = Show times
picker-fallback-legend = Free times in the next two weeks
picker-none = No free times in the next two weeks.

## Words the page's script shows; it fills in the variables itself, and picks -one or -other
## by the language's plural rules

js-loading = Loading free times…
js-load-failed = Could not load the free times.
js-try-again = Try again
js-days-free-one = 1 day with free times in { $month }.
js-days-free-other = { $count } days with free times in { $month }.
js-no-days = No free times in { $month }. Try the next month.
js-prev-month = Previous month
js-next-month = Next month
js-day-times-one = { $day }, 1 free time
js-day-times-other = { $day }, { $count } free times
js-pick-day = Pick a day to see its times.
js-times-on = Free times on { $day }, { $zone }
js-more-below = More times below ↓
js-copied = Copied
js-join-zoom = Join Zoom meeting
js-passcode = Passcode { $passcode }
js-zoom-failed = The Zoom meeting could not be set up. The host sees this on their meetings page; please contact them for a link.
js-zone-search = Search: city, zone or offset
js-zone-search-label = Search time zones

## The confirmation and manage page

manage-title-booked = You are booked
manage-title-cancelled = This booking is cancelled
manage-title = Your booking
manage-event-line = { $event } with { $host } · { $duration } · { $location }
manage-invitation-sent = An invitation was sent to { $email }.
badge-cancelled = Cancelled
badge-held-until = Held until { $time }
badge-change-pending = Change pending
badge-zoom-ready = Zoom link ready
badge-creating = Creating Zoom meeting…
zoom-join = Join Zoom meeting
zoom-passcode = Passcode
zoom-join-link = Zoom join link
zoom-being-created = The Zoom link is being created…
zoom-failed = The Zoom meeting could not be set up. The host sees this on their meetings page; please contact them for a link.
add-to-calendar = Add to your calendar
add-google = Google
add-outlook = Outlook
add-ics = Apple or other (.ics)
manage-link-label = Your private link to reschedule or cancel
copy = Copy
manage-link-help = Keep it to yourself: anyone with this link can move or cancel the booking.
reschedule-or-cancel = Reschedule or cancel
reschedule-title = Reschedule
reschedule-help = Pick a new time. The Zoom meeting moves with it and the join link stays the same.
reschedule-new-time = New time
reschedule-submit = Reschedule to this time
reschedule-not-online = This booking cannot be moved online. Please contact the host.
cancel-title = Cancel
cancel-open = Cancel booking
cancel-question = Cancel this booking?
cancel-detail = The Zoom meeting is deleted and its link stops working.
cancel-reason = Reason
cancel-reason-hint = (optional, shown to the host)
cancel-submit = Yes, cancel the booking
book-another = Book another time
flash-moved = Your booking moved to { $when }. The join link stays the same.
flash-cancelled = Your booking is cancelled, and its Zoom meeting is being removed.

## Dates: the parts come from CLDR, their order from here

when-range = { $date }, { $start } – { $end } ({ $zone })

## Invitee mails and the invitation (.ics)

invitee-topic = { $event } with { $host }
mail-booked-subject = Booked: { $topic } — { $when }
mail-booked = Your meeting is booked.
mail-rescheduled-subject = Rescheduled: { $topic } — { $when }
mail-rescheduled = Your meeting has a new time.
mail-cancelled-subject = Cancelled: { $topic } — { $when }
mail-cancelled = This meeting is cancelled.
mail-reassigned-subject = New host: { $topic } — { $when }
mail-reassigned = Your meeting has a new host.
mail-zoom-link-subject = Zoom link: { $topic } — { $when }
mail-zoom-link = The Zoom meeting is ready. Here is its link.
mail-reminder-subject = Reminder: { $topic } — { $when }
mail-reminder-in = Your meeting starts in { $span }.
mail-reminder-soon = Your meeting is coming up.
mail-when = When: { $when }
mail-host = Host: { $host }
mail-reason = Reason: { $reason }
mail-join = Join Zoom meeting
mail-join-line = Join Zoom meeting: { $url }
mail-meeting-id = Meeting ID: { $id }
mail-passcode = Passcode: { $passcode }
mail-dial-in = Dial in by phone:
mail-toll-free = toll-free
mail-zoom-pending = The Zoom meeting is being created: its link follows in a separate mail.
mail-manage = Reschedule or cancel
mail-sent-by = Sent by Prospo
ics-join = Join: { $place }
ics-manage = Reschedule or cancel: { $url }
span-weeks = { $count ->
    [one] 1 week
   *[other] { $count } weeks
}
span-days = { $count ->
    [one] 1 day
   *[other] { $count } days
}
span-hours = { $count ->
    [one] 1 hour
   *[other] { $count } hours
}
span-minutes = { $count ->
    [one] 1 minute
   *[other] { $count } minutes
}
