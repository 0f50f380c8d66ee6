"""Toy hosts for the fidelity tests: alerts, a slow operation (queues across a stop), TCP relays."""

import threading
import time

from intersystems_pyprod import (
    BusinessOperation,
    BusinessProcess,
    BusinessService,
    IRISLog,
    IRISParameter,
    IRISProperty,
    JsonSerialize,
    Status,
)

iris_package_name = "Fid"

ALERTS = []  # (SourceConfigName, AlertText) as the Ens.Alert item received them
HANDLED = []  # texts the slow operation finished
RELAYED = []  # what the TCP service received
GATE = threading.Event()  # the slow operation waits for it (set = do not wait)
GATE.set()


class Note(JsonSerialize):
    text: str = ""


class AlertSink(BusinessOperation):
    """Stands in for an alert processor: the config item is named Ens.Alert."""

    MessageMap = {"Ens.AlertRequest": "on_alert"}

    def on_alert(self, request):
        ALERTS.append((request.SourceConfigName, request.AlertText))
        return Status.OK()


class Grumpy(BusinessOperation):
    """Raises an alert for "alert", fails for "fail", else answers."""

    MessageMap = {"Fid.Note": "on_note"}

    def on_note(self, request):
        if request.text == "alert":
            IRISLog.Alert("grumpy was asked to alert")
            return Status.OK(), Note(text="alerted")
        if request.text == "fail":
            return Status.ERROR("grumpy refuses"), Note(text="refused")
        return Status.OK(), Note(text="fine")


class Slow(BusinessOperation):
    """Takes its time with every message (and waits for GATE), to leave others queued behind it."""

    MessageMap = {"Fid.Note": "on_note"}
    Pause = IRISProperty(0.2, settings="Basic")

    def on_note(self, request):
        GATE.wait(10)
        time.sleep(float(self.Pause))
        HANDLED.append(request.text)
        return Status.OK(), Note(text="handled " + request.text)


class Sender(BusinessService):
    """Adapterless: sends the text to Target, sync or async by the first word."""

    Target = IRISProperty("Slow", settings="Basic")

    def on_process_input(self, text):
        mode, _, rest = text.partition(" ")
        if mode == "async":
            return self.send_request_async(self.Target, Note(text=rest))
        return self.send_request_sync(self.Target, Note(text=rest), 20)


class LineService(BusinessService):
    """Each line from the TCP text-line inbound adapter goes on to Target, asynchronously."""

    ADAPTER = IRISParameter("EnsLib.TCP.TextLineInboundAdapter")
    Target = IRISProperty(settings="Basic")

    def on_process_input(self, line):
        RELAYED.append(line.StringValue)
        return self.send_request_async(self.Target, Note(text=line.StringValue))


class LineOperation(BusinessOperation):
    """Writes each note as one line through the TCP text-line outbound adapter."""

    ADAPTER = IRISParameter("EnsLib.TCP.TextLineOutboundAdapter")
    MessageMap = {"Fid.Note": "send_line"}

    def send_line(self, request):
        return self.ADAPTER.SendMessageString("relayed: " + request.text)


class Orphan(BusinessOperation):
    """Its adapter class does not exist: it cannot start."""

    ADAPTER = IRISParameter("Fid.NoSuchAdapter")
    MessageMap = {"Fid.Note": "on_note"}

    def on_note(self, request):
        return Status.OK()


FANNED = []  # what the Fan process's OnResponse saw


class Fan(BusinessProcess):
    """Sends two notes to Slow asynchronously and answers when both came back (state in IRISProperty)."""

    Seen = IRISProperty("", settings="")

    def on_request(self, request):
        for key in ("left", "right"):
            self.send_request_async("Slow", Note(text=request.text + "-" + key), completion_key=key)
        return Status.OK()

    def on_response(self, request, response, call_request, call_response, completion_key):
        FANNED.append(completion_key)
        self.Seen = (self.Seen + "," if self.Seen else "") + completion_key
        if len(self.Seen.split(",")) == 2:
            return Status.OK(), Note(text="both: " + self.Seen)
        return Status.OK()
