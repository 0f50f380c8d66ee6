"""A walk through every kind of pyprod component, written for these tests after the public behaviour of
pyprod's QuickStart (its quickstart page and its Visual Trace taken on IRIS): a Python inbound adapter feeds
a service, the service calls a process synchronously, the process calls an operation, the operation calls
a Python outbound adapter, and the service then writes four Event Log entries (Info, Error, the status it
got back, Warning). Not a copy: names, messages and flow are ours.

Also the "Hello" process: a process that answers every request with the request itself (pyprod's README
HelloWorld), fed by IRIS's own EnsLib.File.PassthroughService.
"""

from intersystems_pyprod import (
    BusinessOperation,
    BusinessProcess,
    BusinessService,
    Column,
    InboundAdapter,
    IRISLog,
    IRISParameter,
    IRISProperty,
    JsonSerialize,
    OutboundAdapter,
    PickleSerialize,
    Status,
)

iris_package_name = "Tour"

SEEN = []  # what the hosts saw, for the tests: (where, value)


class Parcel(JsonSerialize):
    label: str = Column(index=True)
    weight = Column(datatype=int)


class Crate(PickleSerialize):
    label = Column()
    weight = 1


class Feeder(InboundAdapter):
    """Hands the service a plain Python list (any Python object can cross to the service)."""

    def __init__(self, iris_host_object):
        super().__init__(iris_host_object)
        self.rounds = 0

    def on_task(self):
        if self.rounds >= 1:  # one round is enough for the walk-through
            return Status.OK()
        self.rounds += 1
        return self.business_host_process_input(["parcel", "from the feeder", self.rounds])


class Counter(BusinessService):
    ADAPTER = IRISParameter("Tour.Feeder")
    start_count = IRISProperty(
        default=45, settings=""
    )  # no datatype: a %VarString with InitialExpression "45"
    target = IRISProperty(settings="Target")

    def on_process_input(self, items):
        status = self.send_request_sync(self.target, Parcel(items[0], items[2]))
        SEEN.append(("send_request_sync", status))
        IRISLog.Info("start_count is a " + type(self.start_count).__name__)
        IRISLog.Error("an Error entry, on purpose")
        IRISLog.Status(status)  # a (status, response) tuple, as the service's send returned it
        self.start_count += 1
        IRISLog.Warning("start_count is now " + str(self.start_count))
        return status


class Chooser(BusinessProcess):
    target = IRISProperty(settings="Target")

    def on_request(self, request):
        if request.weight % 2:
            onward = Crate(request.label + " as a crate", request.weight)
        else:
            onward = Parcel(request.label + " as a parcel", request.weight)
        return self.send_request_sync(self.target, onward)


class Packer(BusinessOperation):
    ADAPTER = IRISParameter("Tour.Wrapper")
    MessageMap = {"Tour.Crate": "pack_crate", "Tour.Parcel": "pack_parcel"}

    def pack_crate(self, request):
        status, wrapped = self.ADAPTER.wrap(request.label, times=2)
        IRISLog.Info("wrapped " + wrapped[0])
        return status, Parcel(wrapped[0], wrapped[1])

    def pack_parcel(self, request):
        status = self.ADAPTER.note(request.label)  # a status-only adapter method: still a (1, None) tuple
        SEEN.append(("note", status))
        return status, Parcel("noted " + request.label, 0)


class Wrapper(OutboundAdapter):
    wrapped = IRISProperty(0, int)

    def wrap(self, label, times=1):
        self.wrapped += 1
        return Status.OK(), (" ".join([label] * times), self.wrapped)

    def note(self, label):
        IRISLog.Info("noted " + label)
        return Status.OK()


class Hello(BusinessProcess):
    """Answers every request with the request itself."""

    def on_request(self, request):
        return Status.OK(), request
