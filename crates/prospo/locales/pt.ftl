# As páginas públicas do Prospo e os e-mails aos convidados, em português do Brasil (tratamento por
# "você"). Cada chave de en.ftl está aqui, com as mesmas variáveis (um teste verifica isso).

## Layout

skip-to-content = Pular para o conteúdo
language-label = Idioma

## Facts about an event type

duration-minutes = { $count } min
location-zoom = Zoom
location-phone = Ligação telefônica
location-in-person = Presencial
location-link = Link personalizado
location-other = Outro
fact-duration = Duração
fact-where = Local
optional = (opcional)

## The public profile

profile-book-a-time = Agendar um horário
profile-no-events = Ainda não há tipos de evento públicos.

## The booking page

book-page-title = { $event } com { $host }
book-pick = Escolha um dia e um horário
book-your-time = Seu horário
book-change = Alterar
book-your-name = Seu nome
book-email = E-mail
book-notes = Observações
book-notes-placeholder = Qualquer informação que ajude a preparar a conversa
book-choose = Selecione…
book-confirm = Confirmar
book-not-open-title = Os agendamentos ainda não estão abertos
book-not-open = Estes horários não podem ser agendados no momento.
book-not-open-fix = Tente novamente mais tarde ou entre em contato diretamente com { $host }.

## Refusals on the booking and manage pages

error-name = Informe seu nome (até 100 caracteres).
error-email = Informe um endereço de e-mail como nome@example.com.
error-pick-first = Escolha um dia e um horário primeiro.
error-pick-new-first = Escolha um novo dia e horário primeiro.
error-answer-tick = Marque esta caixa para agendar.
error-answer-choose = Escolha uma das opções.
error-answer-text = Responda a esta pergunta.
error-answer-invalid = Esta resposta não pode ser usada. Verifique-a.
error-slot-taken = Este horário acabou de ser reservado. Escolha outro.
error-not-available = Este horário não pode ser agendado. Escolha um dos horários oferecidos.
error-not-bookable = Esta reunião não pode ser agendada no momento. Tente novamente mais tarde.
error-cancelled = Esta reunião foi cancelada.
error-too-many-changes = Este agendamento foi alterado vezes demais hoje. Entre em contato com o organizador.
error-too-many-requests = Muitas tentativas. Aguarde um minuto e tente novamente.
error-calendar-unavailable = Não é possível consultar a agenda do organizador no momento. Tente novamente em um minuto.
error-page-not-found = Página não encontrada
error-page-not-found-detail = A página que você pediu não existe ou você não pode vê-la.
error-page-still-working = Ainda processando
error-page-still-working-detail = Este formulário foi enviado duas vezes e o primeiro envio ainda está sendo processado. Aguarde um momento e recarregue esta página.
error-page-internal = Algo deu errado
error-page-internal-detail = Algo deu errado do nosso lado. Tente novamente em instantes.
error-page-home = Ir para o Prospo

## The day-and-time picker

picker-times-shown-in = Horários exibidos em
picker-show-times = Mostrar horários
picker-fallback-legend = Horários disponíveis nas próximas duas semanas
picker-none = Nenhum horário disponível nas próximas duas semanas.

## Words the page's script shows; it fills in the variables itself, and picks -one or -other
## by the language's plural rules

js-loading = Carregando horários disponíveis…
js-load-failed = Não foi possível carregar os horários disponíveis.
js-try-again = Tentar novamente
js-days-free-one = 1 dia com horários disponíveis em { $month }.
js-days-free-other = { $count } dias com horários disponíveis em { $month }.
js-no-days = Nenhum horário disponível em { $month }. Tente o próximo mês.
js-prev-month = Mês anterior
js-next-month = Próximo mês
js-day-times-one = { $day }, 1 horário disponível
js-day-times-other = { $day }, { $count } horários disponíveis
js-pick-day = Escolha um dia para ver os horários.
js-times-on = Horários disponíveis para { $day }, { $zone }
js-more-below = Mais horários abaixo ↓
js-copied = Copiado
js-join-zoom = Entrar na reunião do Zoom
js-passcode = Senha { $passcode }
js-zoom-failed = Não foi possível criar a reunião do Zoom. O organizador vê isso na página de reuniões dele; entre em contato com ele para obter um link.
js-zone-search = Buscar: cidade, fuso horário ou diferença de UTC
js-zone-search-label = Buscar fusos horários

## The confirmation and manage page

manage-title-booked = Agendamento confirmado
manage-title-cancelled = Este agendamento foi cancelado
manage-title = Seu agendamento
manage-event-line = { $event } com { $host } · { $duration } · { $location }
manage-invitation-sent = Um convite foi enviado para { $email }.
badge-cancelled = Cancelado
badge-held-until = Em espera até { $time }
badge-change-pending = Alteração pendente
badge-zoom-ready = Link do Zoom pronto
badge-creating = Criando a reunião do Zoom…
zoom-join = Entrar na reunião do Zoom
zoom-passcode = Senha
zoom-join-link = Link para entrar no Zoom
zoom-being-created = O link do Zoom está sendo criado…
zoom-failed = Não foi possível criar a reunião do Zoom. O organizador vê isso na página de reuniões dele; entre em contato com ele para obter um link.
add-to-calendar = Adicionar à sua agenda
add-google = Google
add-outlook = Outlook
add-ics = Apple ou outro (.ics)
manage-link-label = Seu link privado para reagendar ou cancelar
copy = Copiar
manage-link-help = Não compartilhe: qualquer pessoa com este link pode alterar ou cancelar o agendamento.
reschedule-or-cancel = Reagendar ou cancelar
reschedule-title = Reagendar
reschedule-help = Escolha um novo horário. A reunião do Zoom acompanha a mudança e o link de acesso continua o mesmo.
reschedule-new-time = Novo horário
reschedule-submit = Reagendar para este horário
reschedule-not-online = Este agendamento não pode ser alterado on-line. Entre em contato com o organizador.
cancel-title = Cancelar
cancel-open = Cancelar agendamento
cancel-question = Cancelar este agendamento?
cancel-detail = A reunião do Zoom será excluída e o link deixará de funcionar.
cancel-reason = Motivo
cancel-reason-hint = (opcional, visível para o organizador)
cancel-submit = Sim, cancelar o agendamento
book-another = Agendar outro horário
flash-moved = Seu agendamento foi alterado para { $when }. O link de acesso continua o mesmo.
flash-cancelled = Seu agendamento foi cancelado e a reunião do Zoom está sendo removida.

## Dates: the parts come from CLDR, their order from here
## ("terça-feira, 8 de dezembro de 2026, 15:00 – 15:30 (Horário da Europa Central)"; a dash
## rather than "das … às …", which would need "da … à …" for 01:00)

when-range = { $date }, { $start } – { $end } ({ $zone })

## Invitee mails and the invitation (.ics)
## Subjects lead with a noun ("Reunião cancelada: …") so no participle has to agree with the topic.

invitee-topic = { $event } com { $host }
mail-booked-subject = Agendamento confirmado: { $topic } — { $when }
mail-booked = Sua reunião está agendada.
mail-rescheduled-subject = Reunião reagendada: { $topic } — { $when }
mail-rescheduled = Sua reunião tem um novo horário.
mail-cancelled-subject = Reunião cancelada: { $topic } — { $when }
mail-cancelled = Esta reunião foi cancelada.
mail-reassigned-subject = Novo organizador: { $topic } — { $when }
mail-reassigned = Sua reunião tem um novo organizador.
mail-zoom-link-subject = Link do Zoom: { $topic } — { $when }
mail-zoom-link = A reunião do Zoom está pronta. Aqui está o link.
mail-reminder-subject = Lembrete: { $topic } — { $when }
mail-reminder-in = Sua reunião começa em { $span }.
mail-reminder-soon = Sua reunião começa em breve.
mail-when = Quando: { $when }
mail-host = Organizador: { $host }
mail-reason = Motivo: { $reason }
mail-join = Entrar na reunião do Zoom
mail-join-line = Entrar na reunião do Zoom: { $url }
mail-meeting-id = ID da reunião: { $id }
mail-passcode = Senha: { $passcode }
mail-dial-in = Participar por telefone:
mail-toll-free = gratuito
mail-zoom-pending = A reunião do Zoom está sendo criada: o link chegará em um e-mail separado.
mail-manage = Reagendar ou cancelar
mail-sent-by = Enviado pelo Prospo
ics-join = Entrar: { $place }
ics-manage = Reagendar ou cancelar: { $url }

# Portuguese "one" covers 0 and 1, so the count is written out rather than a literal 1.
span-weeks = { $count ->
    [one] { $count } semana
   *[other] { $count } semanas
}
span-days = { $count ->
    [one] { $count } dia
   *[other] { $count } dias
}
span-hours = { $count ->
    [one] { $count } hora
   *[other] { $count } horas
}
span-minutes = { $count ->
    [one] { $count } minuto
   *[other] { $count } minutos
}
