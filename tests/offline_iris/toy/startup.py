"""Toy items for the start-order tests: a service that sends from its OnInit and on its first poll."""

from intersystems_pyprod import (
    BusinessOperation,
    BusinessProcess,
    BusinessService,
    InboundAdapter,
    IRISParameter,
    IRISProperty,
    Status,
)

from toy.msgs import Ping, Pong

iris_package_name = "StartOrder"

# host classes, in the order their Python objects were created (the OnInit stub, docs/pyprod-runtime.md §8.3)
STARTED = []
SENT = []  # (when, status, response text): what the service's sync sends got back


def _send(host, when, text):
    result = host.send_request_sync(host.Target, Ping(text=text), 5)
    status, response = result if isinstance(result, tuple) else (result, None)
    SENT.append((when, status, response.text if response is not None else ""))


class FirstPoll(InboundAdapter):
    """Hands "poll N" to its service on every poll."""

    def __init__(self, iris_host_object):
        super().__init__(iris_host_object)
        self.polls = 0

    def on_task(self):
        self.polls += 1
        return self.business_host_process_input(f"poll {self.polls}")


class EagerService(BusinessService):
    """Sends to its target while it starts (OnInit) and for every poll."""

    ADAPTER = IRISParameter("StartOrder.FirstPoll")
    Target = IRISProperty("Relay", settings="Basic")

    def __init__(self, iris_host_object):
        super().__init__(iris_host_object)
        STARTED.append("EagerService")
        _send(self, "OnInit", "OnInit")

    def on_process_input(self, text):
        _send(self, text, text)
        return Status.OK()


class Relay(BusinessProcess):
    def on_request(self, request):
        return self.send_request_sync("Answer", Ping(text=request.text))


class Answer(BusinessOperation):
    def __init__(self, iris_host_object):
        super().__init__(iris_host_object)
        STARTED.append("Answer")

    def on_message(self, request):
        return Status.OK(), Pong(text="answered " + request.text)
