"""Repair the hyperlinks ICE's sheets carry, so each points at the document it means.

Seen in the real sheets: Outlook SafeLinks wrappers (`…safelinks.protection.outlook.com/?url=<quoted>&data=…`),
a lost slash (`https:/www.ice.gov/…`), plain `http://`, relative paths (`doclib/…`, `/doclib/…`),
browser PDF-viewer prefixes (`chrome-extension://<id>/https://…`), web-archive captures
(`https://web.archive.org/web/<ts>/https://www.ice.gov/…`), stray spaces and `mailto:`/`#` junk.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from urllib.parse import parse_qs, quote, unquote, urljoin, urlsplit, urlunsplit

ICE = "https://www.ice.gov"
_SAFELINKS = re.compile(r"safelinks\.protection\.outlook\.com", re.I)
_EMBEDDED = re.compile(r"https?:/{1,3}(?=[a-z0-9.-]+\.[a-z]{2,})", re.I)
_WAYBACK = re.compile(r"^https?://web\.archive\.org/web/[0-9a-z_]+/(.+)$", re.I)
_ICE_HOSTS = {"www.ice.gov", "ice.gov"}


def _unwrap_safelinks(url: str) -> str:
    """`…safelinks…/?url=<quoted target>&data=…` → the target (possibly wrapped more than once)."""
    for _ in range(3):
        if not _SAFELINKS.search(url):
            break
        query = urlsplit(url).query
        target = parse_qs(query).get("url")
        if not target:
            m = re.search(r"[?&]url=([^&]+)", url)
            if not m:
                break
            target = [unquote(m.group(1))]
        url = target[0].strip()
    return url


def _normalise_scheme(url: str) -> str:
    """Fix `https:/host`, `https:///host`, `//host` and upgrade ICE's http:// to https://."""
    url = re.sub(r"^(https?):/*(?=[^/])", lambda m: m.group(1).lower() + "://", url, flags=re.I)
    if url.startswith("//"):
        url = "https:" + url
    parts = urlsplit(url)
    if parts.scheme == "http" and parts.hostname in _ICE_HOSTS:
        parts = parts._replace(scheme="https")
    if parts.hostname == "ice.gov":
        parts = parts._replace(netloc="www.ice.gov")
    return urlunsplit(parts)


def repair_link(raw: str | None, base_url: str = ICE) -> str | None:
    """A hyperlink as a sheet gives it → an absolute http(s) URL, or None when it points nowhere usable.

    Relative paths resolve against `base_url` (ICE's site by default). Web-archive captures are kept as they
    are only when the archived target cannot be recovered; otherwise the original ICE URL is returned.
    """
    if raw is None:
        return None
    url = str(raw).strip().strip("<>\"'").replace("\\", "/")
    url = re.sub(r"\s+", lambda m: "" if "\n" in m.group(0) else "%20", url)
    if not url or url.startswith(("#", "mailto:", "javascript:", "tel:", "file:")):
        return None
    url = _unwrap_safelinks(url)
    # chrome-extension://<id>/https://… and other viewer prefixes: keep the embedded web URL.
    if not re.match(r"^https?:", url, re.I) or re.match(r"^[a-z-]+-extension:", url, re.I):
        m = _EMBEDDED.search(url)
        if m and m.start() > 0:
            url = url[m.start():]
    url = _unwrap_safelinks(url)
    m = _WAYBACK.match(url)
    if m:
        url = m.group(1)
    if re.match(r"^https?:", url, re.I):
        url = _normalise_scheme(url)
    elif re.match(r"^[a-z][a-z0-9+.-]*:", url, re.I):
        return None  # some other scheme (ftp:, chrome-extension without a web URL inside, …)
    elif url.startswith("//"):
        url = "https:" + url
    else:
        if "/" not in url and not re.search(r"\.[a-z0-9]{2,5}$", url, re.I):
            return None  # visible text such as "link", not a path
        if re.match(r"^(www\.)?ice\.gov/", url, re.I):
            url = "https://" + re.sub(r"^(www\.)?", "www.", url, count=1, flags=re.I)
        else:
            url = urljoin(base_url.rstrip("/") + "/", url.lstrip("./") if not url.startswith("/") else url)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    # Keep the path's characters as ICE serves them, but quote spaces and other unsafe ones once.
    path = quote(unquote(parts.path), safe="/%:@!$&'()*+,;=-._~")
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, ""))


def file_name(url: str | None) -> str | None:
    """The unquoted last path segment of a URL (`…/287gJEM_%20etowahCoAL.pdf` → `287gJEM_ etowahCoAL.pdf`)."""
    if not url:
        return None
    name = PurePosixPath(unquote(urlsplit(url).path)).name
    return name or None
