"""A business service on EnsLib.HTTP.InboundAdapter that answers with what the adapter handed it: the
offline adapter's contract, seen from a pyprod service (tests/http/test_offline_http_adapter.py)."""

iris_package_name = "HttpToy"

import json  # noqa: E402

import iris  # noqa: E402
from intersystems_pyprod import BusinessService, IRISParameter, Status  # noqa: E402

NAMES = ("HttpRequest", "URL", "RawParams", "HTTPVersion", "content-type", "x-dup", "CharEncoding",
         "TranslationTable", "EnsConfigName")


class EchoService(BusinessService):
    ADAPTER = IRISParameter("EnsLib.HTTP.InboundAdapter")

    def on_process_input(self, pInput):
        attrs = {name: pInput.GetAttribute(name, "") for name in NAMES}
        pInput.Rewind()
        data = pInput.Read(1000000)
        text = data.decode("latin-1") if isinstance(data, bytes) else data
        if text == "fail":
            return Status.ERROR("echo was asked to fail")
        out = iris.cls("%Library.GlobalCharacterStream")._New()
        out.Write(json.dumps({"attrs": attrs, "body": text, "binary": isinstance(data, bytes),
                              "stream": pInput._ClassName(1), "ioaddr": str(self.ADAPTER.IOAddr)}))
        out.SetAttribute("ResponseCode", "201 Created")
        out.SetAttribute("X-Echo", "yes")
        return Status.OK(), out
