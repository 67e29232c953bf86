from django.core.mail.backends.base import BaseEmailBackend

from worker.models import OutboxMessage


class OutboxBackend(BaseEmailBackend):
    """Django's EMAIL_BACKEND: every mail the site sends (password resets included) becomes an
    outbox row in the current transaction; the worker delivers it with the real backend
    (`OUTBOX_DELIVERY_BACKEND`). No request waits on a mail server."""

    def send_messages(self, email_messages):
        rows = []
        for message in email_messages:
            alternatives = getattr(message, "alternatives", [])
            html = next((content for content, kind in alternatives if kind == "text/html"), "")
            rows.append(
                OutboxMessage(
                    to=list(message.to),
                    cc=list(message.cc),
                    bcc=list(message.bcc),
                    subject=message.subject,
                    body=message.body,
                    html_body=html,
                    from_email=message.from_email or "",
                )
            )
        OutboxMessage.objects.bulk_create(rows)
        return len(rows)
