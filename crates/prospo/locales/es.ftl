# Las páginas públicas de Prospo y los correos a los invitados, en español (tuteo, neutro para
# Latinoamérica y España). Cada clave de en.ftl está aquí, con las mismas variables (un test lo
# comprueba).

## Layout

skip-to-content = Saltar al contenido
language-label = Idioma

## Facts about an event type

duration-minutes = { $count } min
location-zoom = Zoom
location-phone = Llamada telefónica
location-in-person = En persona
location-link = Enlace personalizado
location-other = Otro
fact-duration = Duración
fact-where = Lugar
optional = (opcional)

## The public profile

profile-book-a-time = Reservar un horario
profile-no-events = Todavía no hay tipos de evento públicos.

## The booking page

book-page-title = { $event } con { $host }
book-pick = Elige un día y una hora
book-your-time = Tu horario
book-change = Cambiar
book-your-name = Tu nombre
book-email = Correo electrónico
book-notes = Notas
book-notes-placeholder = Cualquier dato que ayude a preparar la llamada
book-choose = Elige…
book-confirm = Confirmar
book-not-open-title = Las reservas aún no están abiertas
book-not-open = Estos horarios no se pueden reservar en este momento.
book-not-open-fix = Vuelve a intentarlo más tarde o ponte en contacto directamente con { $host }.

## Refusals on the booking and manage pages

error-name = Escribe tu nombre (hasta 100 caracteres).
error-email = Escribe una dirección de correo como nombre@example.com.
error-pick-first = Primero elige un día y una hora.
error-pick-new-first = Primero elige un nuevo día y una nueva hora.
error-answer-tick = Marca esta casilla para reservar.
error-answer-choose = Elige una de las opciones.
error-answer-text = Responde a esta pregunta.
error-answer-invalid = Esta respuesta no se puede usar. Revísala.
error-slot-taken = Alguien acaba de reservar este horario. Elige otro.
error-not-available = Este horario no se puede reservar. Elige uno de los horarios disponibles.
error-not-bookable = Esta reunión no se puede reservar en este momento. Vuelve a intentarlo más tarde.
error-cancelled = Esta reunión fue cancelada.
error-too-many-changes = Esta reserva se modificó demasiadas veces hoy. Ponte en contacto con el anfitrión.
error-too-many-requests = Demasiados intentos. Espera un minuto y vuelve a intentarlo.
error-calendar-unavailable = No se puede consultar el calendario del anfitrión en este momento. Vuelve a intentarlo en un minuto.
error-page-not-found = Página no encontrada
error-page-not-found-detail = La página que pediste no existe o no puedes verla.
error-page-still-working = Todavía en proceso
error-page-still-working-detail = Este formulario se envió dos veces y el primer envío todavía se está procesando. Espera un momento y vuelve a cargar esta página.
error-page-internal = Algo salió mal
error-page-internal-detail = Algo salió mal por nuestra parte. Vuelve a intentarlo en un momento.
error-page-home = Ir a Prospo

## The day-and-time picker

picker-times-shown-in = Horarios mostrados en
picker-show-times = Mostrar horarios
picker-fallback-legend = Horarios disponibles en las próximas dos semanas
picker-none = No hay horarios disponibles en las próximas dos semanas.

## Words the page's script shows; it fills in the variables itself, and picks -one or -other
## by the language's plural rules

js-loading = Cargando horarios disponibles…
js-load-failed = No se pudieron cargar los horarios disponibles.
js-try-again = Volver a intentar
js-days-free-one = 1 día con horarios disponibles en { $month }.
js-days-free-other = { $count } días con horarios disponibles en { $month }.
js-no-days = No hay horarios disponibles en { $month }. Prueba con el mes siguiente.
js-prev-month = Mes anterior
js-next-month = Mes siguiente
js-day-times-one = { $day }, 1 horario disponible
js-day-times-other = { $day }, { $count } horarios disponibles
js-pick-day = Elige un día para ver sus horarios.
js-times-on = Horarios disponibles el { $day }, { $zone }
js-more-below = Más horarios abajo ↓
js-copied = Copiado
js-join-zoom = Unirse a la reunión de Zoom
js-passcode = Código de acceso { $passcode }
js-zoom-failed = No se pudo crear la reunión de Zoom. El anfitrión lo ve en su página de reuniones; ponte en contacto con él para obtener un enlace.
js-zone-search = Buscar: ciudad, zona horaria o desfase UTC
js-zone-search-label = Buscar zonas horarias

## The confirmation and manage page

manage-title-booked = Tu reserva está confirmada
manage-title-cancelled = Esta reserva está cancelada
manage-title = Tu reserva
manage-event-line = { $event } con { $host } · { $duration } · { $location }
manage-invitation-sent = Se envió una invitación a { $email }.
badge-cancelled = Cancelada
badge-held-until = En espera hasta { $time }
badge-change-pending = Cambio pendiente
badge-zoom-ready = Enlace de Zoom listo
badge-creating = Creando la reunión de Zoom…
zoom-join = Unirse a la reunión de Zoom
zoom-passcode = Código de acceso
zoom-join-link = Enlace para unirse a Zoom
zoom-being-created = Se está creando el enlace de Zoom…
zoom-failed = No se pudo crear la reunión de Zoom. El anfitrión lo ve en su página de reuniones; ponte en contacto con él para obtener un enlace.
add-to-calendar = Añadir a tu calendario
add-google = Google
add-outlook = Outlook
add-ics = Apple u otro (.ics)
manage-link-label = Tu enlace privado para reprogramar o cancelar
copy = Copiar
manage-link-help = No lo compartas: cualquier persona con este enlace puede cambiar o cancelar la reserva.
reschedule-or-cancel = Reprogramar o cancelar
reschedule-title = Reprogramar
reschedule-help = Elige un nuevo horario. La reunión de Zoom se mueve con la reserva y el enlace para unirse no cambia.
reschedule-new-time = Nuevo horario
reschedule-submit = Cambiar a este horario
reschedule-not-online = Esta reserva no se puede cambiar en línea. Ponte en contacto con el anfitrión.
cancel-title = Cancelar
cancel-open = Cancelar reserva
cancel-question = ¿Cancelar esta reserva?
cancel-detail = La reunión de Zoom se eliminará y su enlace dejará de funcionar.
cancel-reason = Motivo
cancel-reason-hint = (opcional, lo verá el anfitrión)
cancel-submit = Sí, cancelar la reserva
book-another = Reservar otro horario
flash-moved = Tu reserva se cambió al { $when }. El enlace para unirse no cambia.
flash-cancelled = Tu reserva está cancelada y su reunión de Zoom se está eliminando.

## Dates: the parts come from CLDR, their order from here
## ("martes, 8 de diciembre de 2026, de 15:00 a 15:30 (hora de Europa central)")

when-range = { $date }, de { $start } a { $end } ({ $zone })

## Invitee mails and the invitation (.ics)
## Subjects lead with a noun ("Reunión cancelada: …") so no participle has to agree with the topic.

invitee-topic = { $event } con { $host }
mail-booked-subject = Reserva confirmada: { $topic } — { $when }
mail-booked = Tu reunión está confirmada.
mail-rescheduled-subject = Reunión reprogramada: { $topic } — { $when }
mail-rescheduled = Tu reunión tiene un nuevo horario.
mail-cancelled-subject = Reunión cancelada: { $topic } — { $when }
mail-cancelled = Esta reunión fue cancelada.
mail-reassigned-subject = Nuevo anfitrión: { $topic } — { $when }
mail-reassigned = Tu reunión tiene un nuevo anfitrión.
mail-zoom-link-subject = Enlace de Zoom: { $topic } — { $when }
mail-zoom-link = La reunión de Zoom está lista. Aquí tienes el enlace.
mail-reminder-subject = Recordatorio: { $topic } — { $when }
mail-reminder-in = Tu reunión empieza dentro de { $span }.
mail-reminder-soon = Tu reunión se acerca.
mail-when = Cuándo: { $when }
mail-host = Anfitrión: { $host }
mail-reason = Motivo: { $reason }
mail-join = Unirse a la reunión de Zoom
mail-join-line = Unirse a la reunión de Zoom: { $url }
mail-meeting-id = ID de reunión: { $id }
mail-passcode = Código de acceso: { $passcode }
mail-dial-in = Unirse por teléfono:
mail-toll-free = gratuito
mail-zoom-pending = La reunión de Zoom se está creando: su enlace llegará en un correo aparte.
mail-manage = Reprogramar o cancelar
mail-sent-by = Enviado por Prospo
ics-join = Unirse: { $place }
ics-manage = Reprogramar o cancelar: { $url }
span-weeks = { $count ->
    [one] 1 semana
   *[other] { $count } semanas
}
span-days = { $count ->
    [one] 1 día
   *[other] { $count } días
}
span-hours = { $count ->
    [one] 1 hora
   *[other] { $count } horas
}
span-minutes = { $count ->
    [one] 1 minuto
   *[other] { $count } minutos
}
