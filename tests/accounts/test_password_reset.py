"""Password reset without a timing oracle: a known address took 15.4 ms to answer and an
unknown one 8.3 ms, so the time told whether an account existed. Now the request only records
the address, the same work for both, and the worker's mail round writes the mail Django's form
would, for the accounts the address has."""

import re
import statistics
import threading
import time
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.forms import PasswordResetForm
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts import services
from accounts.forms import ResetMailForm
from accounts.models import PasswordResetRequest
from tests.personas import make_user
from tests.threads import race
from worker import rounds
from worker.mail import OutboxBackend
from worker.models import OutboxMessage

RESET = "/accounts/password/reset/"
DONE = "/accounts/password/reset/sent/"
UNKNOWN = "nobody@example.com"


@pytest.fixture(autouse=True)
def through_the_outbox(settings):
    """Mail goes through the outbox as in production (Django's test runner swaps in the
    in-memory backend); the worker delivers it to the in-memory server (`mail.outbox`)."""
    settings.EMAIL_BACKEND = "worker.mail.OutboxBackend"
    settings.SITE_URL = "https://draft.example"


def ask(email: str, client=None):
    response = (client or Client()).post(RESET, {"email": email})
    assert response.status_code == 302 and response["Location"] == DONE
    return response


def worker_round() -> list:
    """One round of the worker's mail loop; every mail delivered so far."""
    rounds.mail_round()
    return list(mail.outbox)


def reset_path(message) -> str:
    link = re.search(r"https://draft\.example(/accounts/password/reset/\S+/)", message.body)
    assert link, message.body
    return link[1]


# The request ----------------------------------------------------------------------------------


def without_parameters(sql: str) -> str:
    """A statement with its values taken out: quoted strings and numbers."""
    return re.sub(r"\b\d+(\.\d+)?\b", "?", re.sub(r"'(?:[^']|'')*'", "?", sql))


def statements_of_a_reset(email: str) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        ask(email)
    return [without_parameters(query["sql"]) for query in queries.captured_queries]


@pytest.mark.django_db
def test_a_known_and_an_unknown_address_do_the_same_work(member, django_user_model):
    make_user(django_user_model, "ghost", is_active=False)
    twin = make_user(django_user_model, "twin")
    django_user_model.objects.filter(pk=twin.pk).update(email=member.email)

    known = statements_of_a_reset(member.email)
    # The same statements for every kind of address: no account, an inactive one, one account
    # written differently, two accounts.
    for email in (UNKNOWN, "ghost@example.com", member.email.upper(), "  " + member.email):
        assert statements_of_a_reset(email) == known
    # The one statement: INSERT the request. No account is read.
    assert len(known) == 1
    assert known[0].startswith('INSERT INTO "accounts_passwordresetrequest"')
    assert not any("accounts_user" in sql for sql in known)
    assert PasswordResetRequest.objects.count() == 5
    assert OutboxMessage.objects.count() == 0 and mail.outbox == []


@pytest.mark.django_db
def test_a_known_and_an_unknown_address_take_the_same_time(member):
    """A known and an unknown address are timed in pairs, back to back and in alternating
    order, so that a slow moment of a loaded machine falls on both; the median of the pairs'
    ratios must be within 1.5 either way.

    Measured in process: Django's view took 1.6 to 1.8 times as long for a known address idle
    (1.4 to 1.8 with two busy loops on both cores); the same work now gives 0.98 to 1.02 idle
    and at worst 1.28 under that load. The old oracle is only 1 to 1.7 ms wide here, so an
    absolute allowance of a few milliseconds would let it pass."""
    client = Client()
    for _ in range(10):  # the first requests load templates, warm caches, prepare statements
        ask(member.email, client)
        ask(UNKNOWN, client)
    known, unknown = [], []
    for turn in range(200):
        pair = [(known, member.email), (unknown, UNKNOWN)]
        for samples, email in pair if turn % 2 else reversed(pair):
            started = time.perf_counter()
            ask(email, client)
            samples.append(time.perf_counter() - started)

    ratio = statistics.median(k / u for k, u in zip(known, unknown, strict=True))
    assert 1 / 1.5 <= ratio <= 1.5, (
        f"a known address takes {ratio:.2f} times as long (medians: known "
        f"{statistics.median(known) * 1000:.2f} ms, unknown "
        f"{statistics.median(unknown) * 1000:.2f} ms)"
    )
    assert OutboxMessage.objects.count() == 0  # no mail was written in a request


@pytest.mark.django_db
def test_the_page_after_asking_does_not_say_whether_the_address_is_known(member):
    client = Client()
    for email in (member.email, UNKNOWN):
        page = client.get(ask(email, client)["Location"])
        assert page.status_code == 200
        assert "If an account uses that address" in page.content.decode()


@pytest.mark.django_db
def test_an_address_that_is_not_one_is_refused_and_nothing_is_recorded():
    response = Client().post(RESET, {"email": "not an address"})
    assert response.status_code == 200
    assert "Enter a valid email address." in response.content.decode()
    assert not PasswordResetRequest.objects.exists()


# The worker -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_known_address_gets_one_working_link(member):
    client = Client()
    ask(member.email, client)
    assert mail.outbox == []  # nothing before the worker

    delivered = worker_round()

    assert [m.to for m in delivered] == [[member.email]]
    assert delivered[0].subject == "Reset your Moviedraft password"
    assert delivered[0].body.startswith(f"Hello {member.get_full_name()},")  # a name, not "dylan"
    assert not PasswordResetRequest.objects.exists()
    form_url = client.get(reset_path(delivered[0]))["Location"]
    new = "a brand new long password"
    response = client.post(form_url, {"new_password1": new, "new_password2": new})
    assert response.status_code == 302
    client.logout()
    response = client.post("/accounts/login/", {"username": "dylan", "password": new})
    assert response.status_code == 302 and SESSION_KEY in client.session
    # The next round sends nothing more.
    assert worker_round() == delivered


@pytest.mark.django_db
def test_the_address_matches_whatever_its_case(member):
    ask("  Dylan@EXAMPLE.com ")
    assert [m.to for m in worker_round()] == [[member.email]]


@pytest.mark.django_db
def test_an_unknown_address_gets_nothing():
    ask(UNKNOWN)
    assert worker_round() == []
    assert not PasswordResetRequest.objects.exists()
    assert not OutboxMessage.objects.exists()


@pytest.mark.django_db
def test_an_inactive_account_or_one_without_a_password_gets_nothing(django_user_model):
    make_user(django_user_model, "ghost", is_active=False)
    locked = make_user(django_user_model, "sso")
    locked.set_unusable_password()
    locked.save()
    ask("ghost@example.com")
    ask("sso@example.com")
    assert worker_round() == []
    assert not PasswordResetRequest.objects.exists()


@pytest.mark.django_db
def test_two_accounts_of_one_address_each_get_their_own_link(member, django_user_model):
    twin = make_user(django_user_model, "twin")
    django_user_model.objects.filter(pk=twin.pk).update(email=member.email)
    ask(member.email)

    delivered = worker_round()

    assert [m.to for m in delivered] == [[member.email], [member.email]]
    greetings = sorted(m.body.splitlines()[0] for m in delivered)
    assert greetings == ["Hello Strange Dylan,", "Hello twin,"]
    # The account each link resets is named by the username its owner logs in with.
    assert sorted('"dylan"' in m.body for m in delivered) == [False, True]
    assert sorted('"twin"' in m.body for m in delivered) == [False, True]
    assert reset_path(delivered[0]) != reset_path(delivered[1])
    assert worker_round() == delivered


@pytest.mark.django_db
def test_the_mail_is_the_one_django_writes(member, settings):
    """The worker's form renders its mail itself (so that a failure raises): it must stay the
    mail Django's own form writes, link and token included."""
    with time_machine.travel(timezone.now(), tick=False):
        ask(member.email)
        [ours] = worker_round()
        settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
        form = PasswordResetForm({"email": member.email})
        assert form.is_valid()
        form.save(domain_override="draft.example", use_https=True)
    djangos = mail.outbox[-1]
    assert djangos is not ours
    assert (ours.subject, ours.body, ours.to, ours.from_email) == (
        djangos.subject,
        djangos.body,
        djangos.to,
        djangos.from_email,
    )


@pytest.mark.django_db
def test_the_link_uses_the_sites_address_not_the_requests_host(member, settings):
    settings.SITE_URL = "https://draft.example/"
    Client().post(RESET, {"email": member.email}, HTTP_HOST="localhost")
    [message] = worker_round()
    assert "https://draft.example/accounts/password/reset/" in message.body
    assert "localhost" not in message.body


@pytest.mark.django_db
def test_a_mail_that_cannot_be_written_is_tried_again_then_given_up(member, caplog):
    ask(member.email)
    now = timezone.now()
    with pytest.MonkeyPatch.context() as patch:

        def broken(self, messages):
            raise RuntimeError("disk full")

        patch.setattr(OutboxBackend, "send_messages", broken)
        assert services.mail_password_resets(now=now) == 0
        request = PasswordResetRequest.objects.get()
        assert request.attempts == 1 and request.due_at == now + services.CLAIM
        assert services.mail_password_resets(now=now) == 0  # not before the claim runs out
        assert PasswordResetRequest.objects.get().attempts == 1
    assert not OutboxMessage.objects.exists()
    assert "failed on attempt 1" in caplog.text

    # Fixed: the next try after the claim ran out writes the mail, once.
    later = now + services.CLAIM
    assert services.mail_password_resets(now=later) == 1
    assert services.mail_password_resets(now=later + services.CLAIM) == 0
    assert OutboxMessage.objects.get().to == [member.email]
    assert not PasswordResetRequest.objects.exists()

    # A request that never works is dropped after MAX_ATTEMPTS, and logged.
    ask(member.email)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(OutboxBackend, "send_messages", broken)
        for attempt in range(services.MAX_ATTEMPTS):
            services.mail_password_resets(now=later + attempt * services.CLAIM)
    assert not PasswordResetRequest.objects.exists()
    assert "giving up" in caplog.text


@pytest.mark.django_db
def test_a_request_whose_worker_died_is_mailed_when_the_claim_runs_out(member):
    ask(member.email)
    request = PasswordResetRequest.objects.get()
    now = timezone.now()
    assert services._claim(request.pk, now) == 1  # and the worker dies

    assert services.mail_password_resets(now=now) == 0
    assert services.mail_password_resets(now=now + services.CLAIM) == 1
    assert OutboxMessage.objects.count() == 1


@pytest.mark.django_db
def test_a_worker_that_comes_back_after_its_claim_ran_out_writes_nothing(member):
    ask(member.email)
    request = PasswordResetRequest.objects.get()
    now = timezone.now()
    assert services._claim(request.pk, now) == 1
    # The claim runs out; another worker claims the request and mails it.
    assert services.mail_password_resets(now=now + services.CLAIM) == 1
    # The first worker comes back to it.
    assert services._mail(request.pk) == 0
    assert OutboxMessage.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_worker_whose_claim_runs_out_mid_mail_is_not_doubled(member, monkeypatch):
    """One worker is still writing the mail when its claim runs out and a second worker claims
    the request: the second waits for the first one's lock on the request, then finds it
    gone."""
    ask(member.email)
    now = timezone.now()
    writing, finish = threading.Event(), threading.Event()
    write_mail = ResetMailForm.send_mail

    def slow_send_mail(form, *args, **kwargs):
        writing.set()
        assert finish.wait(timeout=30)
        write_mail(form, *args, **kwargs)

    monkeypatch.setattr(ResetMailForm, "send_mail", slow_send_mail)

    def first_worker():
        return services.mail_password_resets(now=now)

    def second_worker():
        assert writing.wait(timeout=30)
        return services.mail_password_resets(now=now + services.CLAIM)

    def release():
        assert writing.wait(timeout=30)
        time.sleep(0.5)  # the second worker is at the request by now, waiting
        finish.set()

    assert race([first_worker, second_worker, release]) == [1, 0, None]
    assert OutboxMessage.objects.count() == 1
    assert not PasswordResetRequest.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_send_each_mail_once(django_user_model):
    """Two mail loops on separate connections, released together over the same requests (as
    many as one round takes)."""
    people = [make_user(django_user_model, f"blogger{n}") for n in range(25)]
    for person in people:
        ask(person.email)
        ask(f"stranger-{person.username}@example.com")

    sent = race([rounds.mail_round, rounds.mail_round])

    assert all(isinstance(count, int) for count in sent), sent
    assert not PasswordResetRequest.objects.exists()
    delivered = worker_round()  # what one round wrote after the other's delivery
    assert sorted(m.to[0] for m in delivered) == sorted(p.email for p in people)
    assert OutboxMessage.objects.filter(status=OutboxMessage.Status.SENT).count() == len(people)
    assert not PasswordResetRequest.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_requests_keep_coming_while_two_workers_run(django_user_model):
    """The claim and the lock keep one mail per request even when the workers see different
    rows: requests arrive between the two rounds' scans."""
    people = [make_user(django_user_model, f"blogger{n}") for n in range(12)]

    def asker():
        for person in people:
            ask(person.email)

    def worker():
        for _ in range(20):
            services.mail_password_resets(now=timezone.now() + timedelta(seconds=1))

    results = race([asker, worker, worker])
    assert not any(isinstance(result, BaseException) for result in results), results
    services.mail_password_resets()

    assert sorted(m.to[0] for m in OutboxMessage.objects.all()) == sorted(p.email for p in people)
    assert not PasswordResetRequest.objects.exists()
