"""``http`` sources: a GET returning JSON, with a path to the number.

Only ``http`` and ``https``, also for redirects (urllib would follow one to ``ftp:``);
a time limit on connecting and reading; at most :data:`MAX_OUTPUT` bytes read. A token
named by the source (``env:NAME``/``file:/path``) is sent as ``Authorization: Bearer`` and
kept out of messages.
"""

import json
import urllib.error
import urllib.request
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from store.domain.kpi_sources import MAX_OUTPUT
from store.sources import secrets
from store.sources.values import Observation, SourceError, json_path, number


class _HttpOnlyRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req: Any, fp: Any, code: int, msg: str, headers: Any,
                         newurl: str) -> Any:  # fmt: skip
        if urlsplit(newurl).scheme.lower() not in ("http", "https"):
            raise SourceError(f"refused a redirect to {urlsplit(newurl).scheme or newurl}:")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def fetch(spec: Mapping[str, Any]) -> list[Observation]:
    """GET the URL and read the number at ``json_path``."""
    url = str(spec["url"])
    if urlsplit(url).scheme.lower() not in ("http", "https"):
        raise SourceError("an http source's URL is http:// or https://")
    hidden: list[str] = []
    request = urllib.request.Request(url, headers={"Accept": "application/json",
                                                   "User-Agent": "okrtui-pull"})  # fmt: skip
    if spec.get("token"):
        token = secrets.resolve(str(spec["token"]))
        hidden.append(token)
        request.add_header("Authorization", f"Bearer {token}")
    opener = urllib.request.build_opener(_HttpOnlyRedirects())
    timeout = int(spec["timeout"])
    try:
        with opener.open(request, timeout=timeout) as response:
            body = response.read(MAX_OUTPUT + 1)
    except urllib.error.HTTPError as exc:
        raise SourceError(f"{url} answered {exc.code} {exc.reason}") from None
    except urllib.error.URLError as exc:
        reason = exc.reason
        raise SourceError(secrets.scrub(f"cannot reach {url}: {reason}", hidden)) from None
    except TimeoutError:
        raise SourceError(f"{url} did not answer within {timeout} s") from None
    except OSError as exc:
        raise SourceError(secrets.scrub(f"cannot read {url}: {exc}", hidden)) from None
    if len(body) > MAX_OUTPUT:
        raise SourceError(f"{url} sent more than {MAX_OUTPUT} bytes")
    try:
        document = json.loads(body)
    except ValueError:
        raise SourceError(f"{url} did not send JSON") from None
    value = json_path(document, str(spec["json_path"]), url)
    return [Observation(None, number(value, f"{url} {spec['json_path']}"))]
