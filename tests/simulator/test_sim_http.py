"""The HTTP side: GetServer envelope, CSP cookies, status codes (docs/protocol.md §3, §4, §15.2)."""

from __future__ import annotations

import requests
from sim_wire import CREDS, WAIT, login


def test_getserver_returns_the_atelier_envelope_with_server_info(sim):
    response = requests.get(sim.base_url + "/api/atelier/", auth=CREDS, timeout=WAIT)
    body = response.json()
    assert response.status_code == 200
    assert body["status"] == {"errors": [], "summary": ""}
    assert body["console"] == []
    content = body["result"]["content"]
    assert content["api"] == 8
    assert content["version"].startswith("IRIS for UNIX") and " 2025.3 " in content["version"]
    assert content["namespaces"] == ["USER", "%SYS"]
    assert content["id"] and isinstance(content["features"], list)


def test_login_sets_the_csp_session_and_gateway_cookies_with_their_paths(sim):
    session = login(sim)
    cookies = {c.name: c for c in session.cookies}
    session_cookie = cookies[f"CSPSESSIONID-SP-{sim.port}-UP-api-atelier-"]
    assert session_cookie.path == "/api/atelier/"
    assert cookies["CSPWSERVERID"].path == "/"
    assert sim.logins == 1


def test_cookie_alone_authenticates_later_calls_without_a_new_login(sim):
    session = login(sim)
    assert session.get(sim.base_url + "/api/atelier/", timeout=WAIT).status_code == 200
    assert session.head(sim.base_url + "/api/atelier/", timeout=WAIT).status_code == 200
    assert sim.logins == 1


def test_head_with_basic_logs_in_like_vscode_and_has_no_body(sim):
    session = requests.Session()
    response = session.head(sim.base_url + "/api/atelier/", auth=CREDS, timeout=WAIT)
    assert response.status_code == 200 and response.content == b""
    assert any(c.name.startswith("CSPSESSIONID-") for c in session.cookies)


def test_missing_or_wrong_credentials_get_401(sim):
    url = sim.base_url + "/api/atelier/"
    assert requests.get(url, timeout=WAIT).status_code == 401
    assert requests.get(url, auth=("_SYSTEM", "wrong"), timeout=WAIT).status_code == 401
    assert requests.get(url, auth=("nobody", "SYS"), timeout=WAIT).status_code == 401
    assert sim.logins == 0


def test_user_names_are_case_insensitive_passwords_are_not(sim):
    url = sim.base_url + "/api/atelier/"
    assert requests.get(url, auth=("_system", "SYS"), timeout=WAIT).status_code == 200
    assert requests.get(url, auth=("_SYSTEM", "sys"), timeout=WAIT).status_code == 401


def test_error_bodies_never_echo_the_password(sim):
    response = requests.get(sim.base_url + "/api/atelier/", auth=("_SYSTEM", "s3cret-guess"), timeout=WAIT)
    assert response.status_code == 401
    assert "s3cret-guess" not in response.text
    assert response.json()["status"]["errors"]


def test_cache_logout_ends_the_session(sim):
    session = login(sim)
    logout = session.head(sim.base_url + "/api/atelier/?CacheLogout=end", timeout=WAIT)
    assert logout.status_code == 200
    assert session.get(sim.base_url + "/api/atelier/", timeout=WAIT).status_code == 401


def test_expire_sessions_makes_the_cookie_stale(sim):
    session = login(sim)
    sim.expire_sessions()
    assert session.get(sim.base_url + "/api/atelier/", timeout=WAIT).status_code == 401
    # docs/protocol.md §4.1 step 3: on 401, log in again with Basic
    assert session.get(sim.base_url + "/api/atelier/", auth=CREDS, timeout=WAIT).status_code == 200
    assert sim.logins == 2


def test_csp_session_timeout_expires_idle_cookies(make_sim):
    sim = make_sim(csp_session_timeout=0.0)
    session = login(sim)
    assert session.get(sim.base_url + "/api/atelier/", timeout=WAIT).status_code == 401


def test_unknown_paths_get_404(sim):
    for path in ("/", "/api/atelier/v8/USER/terminal", "/api/other/", "/csp/sys/UtilHome.csp"):
        assert requests.get(sim.base_url + path, auth=CREDS, timeout=WAIT).status_code == 404, path


def test_plain_get_on_the_terminal_route_is_500(sim):
    response = requests.get(sim.base_url + "/api/atelier/v8/%25SYS/terminal", auth=CREDS, timeout=WAIT)
    assert response.status_code == 500


def test_license_exhausted_gives_503_everywhere(make_sim):
    sim = make_sim(license_exhausted=True)
    assert requests.get(sim.base_url + "/api/atelier/", auth=CREDS, timeout=WAIT).status_code == 503
    sim.configure(license_exhausted=False)
    assert requests.get(sim.base_url + "/api/atelier/", auth=CREDS, timeout=WAIT).status_code == 200


def test_html_errors_hide_the_json_envelope(make_sim):
    sim = make_sim(html_errors=True)
    response = requests.get(sim.base_url + "/api/atelier/", timeout=WAIT)
    assert response.status_code == 401
    assert response.headers["Content-Type"].startswith("text/html")
    assert response.text.lstrip().startswith("<html>")


def test_path_prefix_moves_everything_and_the_cookie_follows(make_sim):
    sim = make_sim(path_prefix="/iris")
    assert requests.get(sim.base_url + "/api/atelier/", auth=CREDS, timeout=WAIT).status_code == 404
    session = login(sim, prefix="/iris")
    cookie = next(c for c in session.cookies if c.name.startswith("CSPSESSIONID-"))
    assert cookie.name == f"CSPSESSIONID-SP-{sim.port}-UP-iris-api-atelier-"
    assert cookie.path == "/iris/api/atelier/"


def test_api_version_is_reported_as_configured(make_sim):
    sim = make_sim(api_version=6, namespaces=["USER", "%SYS", "ENSDEMO"])
    response = requests.get(sim.base_url + "/api/atelier/", auth=CREDS, timeout=WAIT)
    content = response.json()["result"]["content"]
    assert content["api"] == 6
    assert content["namespaces"] == ["USER", "%SYS", "ENSDEMO"]


def test_config_repr_never_shows_passwords(make_sim):
    sim = make_sim(users={"alice": "hunter2-secret"})
    assert "hunter2-secret" not in repr(sim.config)
    assert requests.get(sim.base_url + "/api/atelier/", auth=("alice", "hunter2-secret"), timeout=WAIT).ok
