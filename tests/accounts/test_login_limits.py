"""The login lockout cannot be walked around (issue 16, findings 2 and 4).

- 40 wrong passwords, each with a new X-Forwarded-For, all answered 200 and the right password
  then logged in: uvicorn trusted forwarded headers from 127.0.0.1 by default, so a client on
  the proxy's machine (or any client, with CLIENT_IP_HEADER set) picked its own address for
  every guess. Now one setting, TRUSTED_PROXIES (none by default), says whose X-Forwarded-For
  counts, for uvicorn and the app alike; and the lockout also counts per account across
  addresses (LOGIN_ACCOUNT_FAILURE_LIMIT), so a spread of real addresses cannot guess one
  password either.
- A username of 256 characters or more answered 500 on PostgreSQL (django-axes keeps it in a
  255-character column): now a form error before any attempt is made.
"""

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY
from django.test import Client

from config import proxies
from config.inputs import client_ip
from tests.personas import PASSWORD
from tests.servers import Browser

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def attempt(client, password, *, url=LOGIN, username="dylan", **meta):
    return client.post(url, {"username": username, "password": password}, **meta)


def test_a_new_forwarded_address_per_guess_changes_nothing_without_a_trusted_proxy(member):
    client = Client()
    for n in range(40):
        response = attempt(
            client, "wrong", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}"
        )
        # The fifth wrong password is answered with the pause already.
        assert response.status_code == (200 if n < 4 else 429), n
    assert attempt(client, PASSWORD, REMOTE_ADDR="127.0.0.1").status_code == 429
    assert SESSION_KEY not in client.session
    # Every guess was counted against the one real address.
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"127.0.0.1"}


def test_behind_a_trusted_proxy_the_client_is_the_address_the_proxy_saw(member, settings):
    """A client's own X-Forwarded-For is kept by the proxy, which appends the address it saw:
    that last one is the client's, whatever the client wrote before it."""
    settings.TRUSTED_PROXIES = proxies.parse("10.0.0.0/8")
    client = Client()
    for n in range(8):
        forwarded = f"203.0.113.{n}, 198.51.100.7"  # forged by the client, then the proxy's
        response = attempt(client, "wrong", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded)
        assert response.status_code == (200 if n < 4 else 429), n
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"198.51.100.7"}


def test_guesses_spread_over_many_addresses_lock_the_account(member, settings):
    """LOGIN_ACCOUNT_FAILURE_LIMIT (20) wrong passwords for one account from any addresses:
    its log-in is paused for everyone, until the lockout ends or a password reset."""
    client = Client()
    limit = settings.LOGIN_ACCOUNT_FAILURE_LIMIT
    for n in range(limit):
        status = attempt(client, "wrong", REMOTE_ADDR=f"198.51.100.{n}").status_code
        assert status == (200 if n < limit - 1 else 429), n
    answer = attempt(client, PASSWORD, REMOTE_ADDR="192.0.2.200")
    assert answer.status_code == 429 and "Too many attempts" in answer.content.decode()


def test_an_account_below_its_limit_still_lets_its_owner_in(member, settings):
    client = Client()
    for n in range(settings.LOGIN_ACCOUNT_FAILURE_LIMIT - 1):
        attempt(client, "wrong", REMOTE_ADDR=f"198.51.100.{n}")
    assert attempt(client, PASSWORD, REMOTE_ADDR="192.0.2.200").status_code == 302


@pytest.mark.parametrize(
    ("peer", "forwarded", "trusted", "client"),
    [
        ("203.0.113.5", "198.51.100.1", "", "203.0.113.5"),  # nobody trusted: the header is ignored
        ("10.0.0.2", "198.51.100.1", "", "10.0.0.2"),
        ("10.0.0.2", "198.51.100.1", "10.0.0.0/8", "198.51.100.1"),
        ("10.0.0.2", "6.6.6.6, 198.51.100.1", "10.0.0.0/8", "198.51.100.1"),
        ("10.0.0.2", "198.51.100.1, 10.0.0.9", "10.0.0.0/8", "198.51.100.1"),  # two proxies
        ("10.0.0.2", "10.0.0.8, 10.0.0.9", "10.0.0.0/8", "10.0.0.8"),  # all proxies: the first
        ("10.0.0.2", "", "10.0.0.0/8", "10.0.0.2"),
        ("10.0.0.2", "not-an-address, 198.51.100.1", "10.0.0.0/8", "198.51.100.1"),
        ("10.0.0.2", "198.51.100.1, garbage", "10.0.0.0/8", "10.0.0.2"),
        ("10.0.0.2", "[2001:db8::1]:443", "10.0.0.0/8", "2001:db8::1"),
        ("10.0.0.2", "198.51.100.1:5555", "10.0.0.0/8", "198.51.100.1"),
        ("203.0.113.5", "198.51.100.1", "10.0.0.0/8", "203.0.113.5"),  # not from the proxy
    ],
)
def test_the_client_address(rf, settings, peer, forwarded, trusted, client):
    settings.TRUSTED_PROXIES = proxies.parse(trusted)
    request = rf.get("/", REMOTE_ADDR=peer, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == client


@pytest.mark.parametrize("value", ["*", "proxy.example", "10.0.0.0/33", "1.2.3"])
def test_a_trusted_proxy_that_is_no_address_is_refused(value):
    with pytest.raises(ValueError):
        proxies.parse(value)


@pytest.mark.parametrize("length", [150, 151, 255, 256, 10_000])
@pytest.mark.parametrize("url", [LOGIN, "/admin/login/"])
def test_a_username_longer_than_any_is_a_form_error(member, url, length):
    response = attempt(Client(), "wrong", url=url, username="d" * length)
    assert response.status_code == 200
    page = response.content.decode()
    if length > 150:
        assert "No username is longer than 150 characters." in page
        assert not AccessAttempt.objects.exists()  # nothing reached the lockout's records
    else:
        assert AccessAttempt.objects.count() == 1


# --- Through the production server -----------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("trusted", ["", "127.0.0.1"], ids=["no-proxy", "proxy-on-loopback"])
def test_a_new_forwarded_address_per_guess_through_the_production_server(
    app_servers, member, trusted
):
    """gunicorn with uvicorn workers, as production runs: 40 guesses, each with a new
    X-Forwarded-For, then the right password. Not trusted, the header is ignored and the
    address is locked after five; trusted (a proxy on the same machine forwarding 40
    clients), the account is locked after LOGIN_ACCOUNT_FAILURE_LIMIT."""
    server = app_servers(TRUSTED_PROXIES=trusted)
    browser = Browser(server.url)

    def log_in(password, forwarded_for):
        return browser.log_in_as("dylan", password, headers={"X-Forwarded-For": forwarded_for})

    statuses = [log_in("wrong", f"203.0.113.{n}") for n in range(40)]
    limit = 5 if not trusted else 20
    assert statuses[: limit - 1] == [200] * (limit - 1)
    assert set(statuses[limit - 1 :]) == {429}
    assert log_in(PASSWORD, "203.0.113.250") == 429
