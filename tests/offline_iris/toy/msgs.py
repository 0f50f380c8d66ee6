"""Toy messages."""

from intersystems_pyprod import Column, JsonSerialize, PickleSerialize

iris_package_name = "Toy"


class Ping(JsonSerialize):
    text: str = Column("")
    n: int = Column(0, datatype="int")
    extra = None


class LoudPing(Ping):
    volume: int = Column(11, datatype="int")


class Pong(JsonSerialize):
    text: str = Column("")
    keys = None


class Alarm(JsonSerialize):
    level: str = Column("low")


class Blob(PickleSerialize):
    label: str = Column("")
    data = None
