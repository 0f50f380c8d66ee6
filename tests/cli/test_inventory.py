"""The inventory (Ansible INI style, or one HOST[:PORT] per line) and --limit, read strictly; a file given
by mistake never has its content echoed (issue 21)."""

from __future__ import annotations

import pytest
from cli_helpers import PASSWORD, cli_env, json_lines, run
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.lite_terminal.cli_args import UsageError
from adapters.lite_terminal.inventory import read_inventory, refuse_duplicates, select

DEFAULTS = {"port": 52773, "namespace": "USER", "user": "_SYSTEM"}

FLEET = """\
iris0.example.com            # ungrouped
[web]
iris[1:3].example.com
iris9:1972 namespace=APP user=ops password_env=IRIS_PW_OPS
[web:vars]
tls=true
[db]
db1 host=10.0.0.5 prefix=/iris verify=ca.pem
[prod:children]
web
db
[prod:vars]
namespace=PROD
"""


def inventory(tmp_path, text, typed=None):
    path = tmp_path / "fleet.ini"
    path.write_text(text)
    return read_inventory(str(path), DEFAULTS, typed or {})


def by_name(inv):
    return {t.name: t for t in inv.targets}


def test_groups_children_ranges_and_settings_by_precedence(tmp_path):
    inv = inventory(tmp_path, FLEET)
    targets = by_name(inv)
    assert list(targets) == ["iris0.example.com", "iris1.example.com", "iris2.example.com",
                             "iris3.example.com", "iris9:1972", "db1"]
    assert targets["iris0.example.com"].namespace == "USER" and not targets["iris0.example.com"].tls
    web1 = targets["iris1.example.com"]
    assert (web1.namespace, web1.tls, web1.port) == ("PROD", True, 52773)  # prod:vars, web:vars
    nine = targets["iris9:1972"]
    assert (nine.namespace, nine.user, nine.port, nine.password_env) == ("APP", "ops", 1972, "IRIS_PW_OPS")
    db1 = targets["db1"]
    assert (db1.host, db1.prefix, db1.tls) == ("10.0.0.5", "/iris", True)
    assert db1.verify == str(tmp_path / "ca.pem")  # a CA file next to the inventory
    assert inv.groups["prod"] == [n for n in targets if n != "iris0.example.com"]
    assert inv.groups["ungrouped"] == ["iris0.example.com"]


def test_options_typed_on_the_command_line_beat_the_inventory(tmp_path):
    inv = inventory(tmp_path, FLEET, typed={"namespace": "%SYS", "user": "admin"})
    assert {(t.namespace, t.user) for t in inv.targets} == {("%SYS", "admin")}


@pytest.mark.parametrize("limit, names", [
    ("web:db", ["iris1.example.com", "iris2.example.com", "iris3.example.com", "iris9:1972", "db1"]),
    ("all:!prod", ["iris0.example.com"]),
    ("iris[12]*", ["iris1.example.com", "iris2.example.com"]),
    ("prod:&web:!iris2*", ["iris1.example.com", "iris3.example.com", "iris9:1972"]),
    (r"~iris[0-9]\.", ["iris0.example.com", "iris1.example.com", "iris2.example.com", "iris3.example.com"]),
    ("iris9:1972,db1", ["iris9:1972", "db1"]),  # ',' when a name holds ':'
    ("10.0.0.5", ["db1"]),  # an alias's address picks it too
])
def test_limit_reads_patterns_as_ansible_does(tmp_path, limit, names):
    assert [t.name for t in select(inventory(tmp_path, FLEET), limit)] == names


@pytest.mark.parametrize("limit, message", [
    ("webb", "'webb' matches no group or host"),
    ("web:!web", "leaves no server"),
    ("web::db", "an empty pattern"),
    ("~(", "not valid"),
])
def test_a_limit_that_picks_nothing_is_an_error_not_a_smaller_run(tmp_path, limit, message):
    with pytest.raises(UsageError, match=message):
        select(inventory(tmp_path, FLEET), limit)


@pytest.mark.parametrize("text, message", [
    ("[web]\niris1 password=Secret123\n", "line 2: a password is refused in an inventory"),
    ("[web:vars]\nansible_password=Secret123\n", "line 2: a password is refused"),
    ("[web]\niris1 namespace=1BAD\n", "line 2: namespace is not an IRIS namespace name"),
    ("[web]\niris1 port=99999\n", "line 2: port is a number from 1 to 65535"),
    ("[web]\niris1 tls=maybe\n", "line 2: tls is true or false"),
    ("[web]\niris1 colour=red\n", "line 2: word 2 is not a setting"),
    ("[web]\niris1 justaword\n", "line 2: word 2 is not key=value"),
    ("[web]\niris1 password_env=1X\n", "line 2: password_env is the name of an environment variable"),
    ("[web]\niris1 namespace=A\n[db]\niris1 namespace=B\n", "line 4: namespace is set differently than on "
                                                            "line 2"),
    ("[a:children]\nb\n[b:children]\na\n[b]\nh1\n", "groups contain each other"),
    ("[all]\nh1\n", "[all] is implicit"),
    ("[web]\niris[1:5000]\n", "at most 1000 hosts"),
    ("[web]\nweb1 host=10.0.0.1:1972\n", "line 2: host is an address without a port"),
    ("", "no servers in it"),
])
def test_bad_inventories_are_refused_naming_the_line(tmp_path, text, message):
    with pytest.raises(UsageError, match=message.replace("[", r"\[")):
        inventory(tmp_path, text)


def test_the_same_server_under_two_names_is_refused(tmp_path):
    inv = inventory(tmp_path, "[a]\niris1:1972\n[b]\nIRIS1.:1972\n[c]\nx host=127.0.0.1\ny host=127.0.0.1\n")
    with pytest.raises(UsageError, match="servers given twice: iris1:1972 and IRIS1.:1972, x and y"):
        refuse_duplicates(inv.targets)


def test_a_host_in_two_groups_is_one_host(tmp_path):
    inv = inventory(tmp_path, "[a]\niris1 namespace=APP\n[b]\niris1\n")
    assert [t.name for t in inv.targets] == ["iris1"] and inv.targets[0].groups == ("all", "a", "b")


def test_the_old_one_host_per_line_file_still_works(tmp_path):
    inv = inventory(tmp_path, "# servers\niris1:1972   # first\n\niris2\n[::1]:5000\n")
    assert [(t.host, t.port) for t in inv.targets] == [("iris1", 1972), ("iris2", 52773), ("::1", 5000)]


# -------------------------------------------------------------------------------------------- no echo


SECRET = "QX7secret"


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from(list("ab:=/[]#; .-_\t$!@\"'") + ["\x00", "\u2028"]),
                        max_size=12), min_size=1, max_size=4),
       st.integers(min_value=0, max_value=3))
def test_no_error_ever_quotes_the_file(tmp_path_factory, pieces, where):
    """Whatever the file holds, an error names the file and line, never the text: a marker planted anywhere
    in a line is never in the message (a system file or a key file given by mistake, issue 21)."""
    lines = ["".join(pieces)] * 3
    line = where % len(lines)
    lines[line] = SECRET.join([lines[line][:5], lines[line][5:]]) + " " + SECRET
    path = tmp_path_factory.mktemp("inv") / "hosts"
    path.write_text("\n".join(lines), encoding="utf-8")
    try:
        read_inventory(str(path), DEFAULTS, {})
    except UsageError as exc:
        assert SECRET not in str(exc)


@pytest.mark.parametrize("content", [
    "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1::/usr/sbin:/usr/sbin/nologin\n",  # /etc/passwd
    "root:$6$saltsalt$hashhashhash:19000:0:99999:7:::\n",  # /etc/shadow
    "https://user:ghp_T0kenT0kenT0ken@github.com\n",  # ~/.git-credentials
    "ghp_T0kenT0kenT0ken\n",  # a token file
    "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n",  # a key
    "\x7fELF\x02\x01\x01\x00\x00binary",  # a program
])
def test_a_system_file_as_hosts_file_is_refused_without_its_content(tmp_path, content):
    path = tmp_path / "not-hosts"
    path.write_bytes(content.encode("utf-8", "surrogateescape"))
    done = run("--hosts-file", str(path), "write 1")
    assert done.returncode == 2 and done.stderr.startswith(f"error: {path}")
    for line in content.splitlines():
        for word in line.replace(":", " ").replace("@", " ").split():
            if len(word) >= 6:
                assert word not in done.stderr, done.stderr


# -------------------------------------------------------------------------------------------- end to end


def test_a_three_group_inventory_runs_with_per_host_settings(sim, make_sim, tmp_path):
    second = make_sim()
    third = make_sim(version="IRIS for UNIX 2024.1")
    (tmp_path / "fleet.ini").write_text(f"""\
[web]
{sim.host}:{sim.port}
{second.host}:{second.port} namespace=%SYS
[db]
db1 host={third.host} port={third.port} user=ops password_env=OPS_PW
[down]
127.0.0.1:1
[prod:children]
web
db
""")
    env = cli_env(OPS_PW="Ops-pw-5150")
    done = run("--inventory", str(tmp_path / "fleet.ini"), "--limit", "prod", "--json",
               "--connect-timeout", "3", "write $namespace", env=env)
    assert done.returncode == 0, done.stderr
    (result,) = json_lines(done)
    assert [(r["Server"], r["Output"]) for r in result["Results"]] == [
        (f"{sim.host}:{sim.port}", "USER"), (f"{second.host}:{second.port}", "%SYS"), ("db1", "USER")]
    assert third.executed and third.executed[0].input == "write $namespace"
    assert PASSWORD not in done.stdout + done.stderr and "Ops-pw" not in done.stdout + done.stderr


def test_a_missing_password_env_is_an_error_before_anything_runs(sim, tmp_path):
    (tmp_path / "fleet.ini").write_text(f"[web]\n{sim.host}:{sim.port} password_env=NOT_SET_ANYWHERE\n")
    done = run("--inventory", str(tmp_path / "fleet.ini"), "write 1")
    assert done.returncode == 2
    assert "password_env names NOT_SET_ANYWHERE, which is not set" in done.stderr and sim.logins == 0


def test_limit_without_an_inventory_is_an_error(sim):
    done = run("--host", f"{sim.host}:{sim.port}", "--limit", "web", "write 1")
    assert done.returncode == 2 and "--limit picks servers of an --inventory" in done.stderr
