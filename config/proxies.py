"""Which proxies are trusted to say who the client is: one setting, TRUSTED_PROXIES.

It lists the addresses (or networks, "10.0.0.0/8") of the proxies in front of the app; none by
default. Everything that asks for a client's address derives from it:

- uvicorn (`forwarded_allow_ips`, config/gunicorn.py) takes X-Forwarded-For and -Proto only
  from these peers, so under ASGI the request's REMOTE_ADDR is already the client's;
- `config.inputs.client_ip` (the login lockout, the comment limit, the vote cap) reads the
  same header the same way under any server, WSGI included: from the right, the first address
  that is not a trusted proxy.

With none trusted, X-Forwarded-For is ignored everywhere: a client cannot pick its own
address. This module reads only the environment, so config/gunicorn.py can use it before
Django starts.
"""

import ipaddress
import os

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse(value: str) -> list[Network]:
    """TRUSTED_PROXIES as networks (a lone address is a network of one). A ValueError names an
    entry that is neither; "*" (trust anyone) is refused, as it would let every client forge
    its address."""
    networks = []
    for entry in (item.strip() for item in value.split(",")):
        if not entry:
            continue
        if entry == "*":
            raise ValueError('"*" would trust every client; list the proxies\' addresses')
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise ValueError(f"{entry!r} is not an IP address or network") from None
    return networks


def from_environment() -> list[Network]:
    return parse(os.environ.get("TRUSTED_PROXIES", ""))


def address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """An address as a proxy writes it ("203.0.113.7", "[2001:db8::1]:443", "203.0.113.7:80"),
    or None for anything else."""
    text = text.strip()
    if text.startswith("[") and "]" in text:
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:
        text = text.split(":", 1)[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def client_address(peer: str, forwarded_for: str, trusted: list[Network]) -> str:
    """Who the client is: the peer itself unless it is a trusted proxy; then, reading
    X-Forwarded-For from the right (each proxy appends the address it saw), the first address
    that is not a trusted proxy. An entry that is no address at all stops the walk at the last
    good one: only a trusted proxy's word is taken, never a client's."""
    found = address(peer)
    if found is None or not any(found in network for network in trusted):
        return peer
    for hop in reversed(forwarded_for.split(",")):
        hop_address = address(hop)
        if hop_address is None:
            break
        found = hop_address
        if not any(found in network for network in trusted):
            break
    return str(found)
