"""Toy hosts: services, processes, operations and a Production."""

from intersystems_pyprod import (
    BusinessOperation,
    BusinessProcess,
    BusinessService,
    IRISLog,
    IRISParameter,
    IRISProperty,
    OperationItem,
    ProcessItem,
    Production,
    ServiceItem,
    Status,
)

from toy import adapters  # noqa: F401  (registers the adapter so self.ADAPTER is wrapped, docs/pyprod-runtime.md §7.5)
from toy.msgs import Ping, Pong

iris_package_name = "Toy"

INIT_SEEN = []  # (class, greeting, count) seen in __init__
BP_INSTANCES = []  # (callback, python object, host object): kept alive so identities are unique
FILES = []  # (Filename, content, Size)


class TickService(BusinessService):
    ADAPTER = IRISParameter("Toy.TickIn")
    target = IRISProperty("Echo", settings="Basic")

    def on_process_input(self, text):
        return self.send_request_async(self.target, Ping(text=text))


class DirectService(BusinessService):
    target = IRISProperty("Echo", settings="Basic")

    def on_process_input(self, text):
        result = self.send_request_sync(self.target, Ping(text=text))
        if isinstance(result, tuple):
            return result
        return result


class FileService(BusinessService):
    ADAPTER = IRISParameter("EnsLib.File.InboundAdapter")
    target = IRISProperty("Echo", settings="Basic")

    def on_process_input(self, pInput):
        content = pInput.Read(100000)
        FILES.append((pInput.Filename, content, pInput.Size))
        if content == "":  # an error status: EnsLib.File leaves the file until it is modified
            return Status.ERROR("empty file")
        return self.send_request_async(self.target, Ping(text=content.strip()))


class Router(BusinessProcess):
    calls = IRISProperty(0, datatype="int")
    seen = IRISProperty("", settings="")

    def on_request(self, request):
        BP_INSTANCES.append(("on_request", self, self.iris_host_object))
        self.calls = self.calls + 1
        self.send_request_async("Echo", Ping(text=request.text + "-a"), completion_key="ka")
        self.send_request_async("Echo", Ping(text=request.text + "-b"), completion_key="kb")
        return Status.OK()

    def on_response(self, request, response, call_request, call_response, completion_key):
        BP_INSTANCES.append(("on_response", self, self.iris_host_object))
        self.seen = (self.seen + "," if self.seen else "") + completion_key
        if len(self.seen.split(",")) == 2:
            return Status.OK(), Pong(text=f"{request.text}:{self.seen}:calls={self.calls}")
        return Status.OK()


class SyncRouter(BusinessProcess):
    def on_request(self, request):
        result = self.send_request_sync("Echo", Ping(text=request.text))
        if isinstance(result, tuple):
            status, resp = result
            return status, Pong(text="via-bp:" + resp.text)
        return result


class Echo(BusinessOperation):
    ADAPTER = IRISParameter("Toy.EchoOut")
    greeting = IRISProperty("hello", settings="Basic")
    count = IRISProperty(5, datatype="int", settings="Basic")
    MessageMap = {"Toy.Ping": "on_ping"}

    def __init__(self, iris_host_object):
        super().__init__(iris_host_object)
        INIT_SEEN.append(("Echo", self.greeting, self.count))

    def on_ping(self, request):
        if request.text == "boom":
            raise ValueError("boom from on_ping")
        if request.text.startswith("fail"):
            return Status.ERROR(f"soft failure {request.text}")
        if request.text == "whoami":
            result = self.ADAPTER.who_am_i()
            if result[0] != 1:
                return result[0]
            return Status.OK(), Pong(text=f"{result[1]}/{result[2]}")
        IRISLog.Info(f"echoing {request.text}")
        status, out = self.ADAPTER.echo(request.text)
        return status, Pong(text=out)

    def on_message(self, request):
        return Status.OK(), Pong(text="on_message:" + type(request).__name__)


class ToyProduction(Production):
    services = [
        ServiceItem("Direct", "Toy.DirectService", pool_size=0),
        ServiceItem("Ticker", "Toy.TickService", enabled=False, adapter_settings={"CallInterval": 0.2}),
    ]
    processes = [ProcessItem("Router", "Toy.Router"), ProcessItem("SyncRouter", "Toy.SyncRouter")]
    operations = [
        OperationItem(
            "Echo",
            "Toy.Echo",
            host_settings={"greeting": "configured", "count": 7},
            adapter_settings={"prefix": "P:"},
        )
    ]
