"""Toy adapters: a Python OutboundAdapter and a Python InboundAdapter."""

from intersystems_pyprod import InboundAdapter, IRISProperty, OutboundAdapter, Status

iris_package_name = "Toy"

CALLS = []  # (adapter method, args, kwargs) as the adapter received them


class EchoOut(OutboundAdapter):
    prefix = IRISProperty("out:", settings="Basic")

    def echo(self, text, upper=False):
        CALLS.append(("echo", (text,), {"upper": upper}))
        out = self.prefix + text
        return Status.OK(), (out.upper() if upper else out)

    def who_am_i(self):
        cred = self.iris_host_object._CredentialsObj
        if cred == "" or cred is None:
            return Status.ERROR(f"no credentials {self.iris_host_object.Credentials!r}"), ""
        return Status.OK(), cred.Username, len(cred.Password)

    def only_status(self):
        CALLS.append(("only_status", (), {}))
        return Status.OK()


class TickIn(InboundAdapter):
    def __init__(self, iris_host_object):
        super().__init__(iris_host_object)
        self.ticks = 0

    def on_task(self):
        self.ticks += 1
        return self.business_host_process_input(f"tick{self.ticks}")
