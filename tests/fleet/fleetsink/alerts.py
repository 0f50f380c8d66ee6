"""An alert processor stand-in: the config item named ``Ens.Alert`` receives every IRIS alert."""

from intersystems_pyprod import BusinessOperation, Status

iris_package_name = "FleetSink"

ALERTS = []  # (SourceConfigName, AlertText) as the Ens.Alert item received them


class AlertSink(BusinessOperation):
    """Records each Ens.AlertRequest."""

    MessageMap = {"Ens.AlertRequest": "on_alert"}

    def on_alert(self, request):
        ALERTS.append((str(request.SourceConfigName), str(request.AlertText)))
        return Status.OK()
