"""The real pyprod loader runs offline and its classes are parsed (docs/pyprod-runtime.md §1)."""


def test_loader_generates_and_registers_every_class(loaded):
    names = [n for r in loaded.reports for n in r.classes]
    for cls in (
        "Toy.Ping",
        "Toy.LoudPing",
        "Toy.Pong",
        "Toy.EchoOut",
        "Toy.TickIn",
        "Toy.Echo",
        "Toy.Router",
        "Toy.ToyProduction",
    ):
        assert cls in names


def test_parsed_class_has_settings_properties_and_message_map(loaded):
    echo = loaded.classes["Toy.Echo"]
    assert echo.extends == ["Ens.BusinessOperation"]
    assert echo.parameters["ADAPTER"].value == "Toy.EchoOut"
    assert "greeting" in echo.settings and "ReplyCodeActions" in echo.settings  # own + inherited
    assert echo.properties["greeting"].initial == "hello"
    assert echo.properties["count"].type == "%Integer" and echo.properties["count"].initial == 5
    assert echo.message_map == [("Toy.Ping", "OnPing")]
    assert echo.methods["OnPing"].py_name == "on_ping"
    assert "OnMessage" in echo.methods
    out = loaded.classes["Toy.EchoOut"]
    assert (
        out.methods["echo"].helper == "AnyMethodHelper"
        and "WhoAmI" in out.methods
        and "Credentials" in out.settings
    )
    assert loaded.classes["Toy.LoudPing"].extends == ["Toy.Ping"]


def test_production_class_is_captured_through_loadstream(loaded):
    xml = loaded.classes["Toy.ToyProduction"].xdata["ProductionDefinition"]
    assert '<Item Name="Echo"' in xml and 'Name="greeting">configured<' in xml


def test_loader_validation_sees_compiled_hosts(loaded):
    warnings = [w for r in loaded.reports for w in r.warnings]
    assert not [w for w in warnings if "does not exist" in w]


def test_unknown_setting_in_a_python_production_gives_the_loader_warning(tmp_path, loaded):
    pkg = tmp_path / "badprod"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "p.py").write_text(
        'iris_package_name = "Bad"\n'
        "from intersystems_pyprod import Production, OperationItem\n"
        "class P(Production):\n"
        '    operations = [OperationItem("Echo", "Toy.Echo", host_settings={"colour": "red"})]\n'
    )
    report = loaded.load(["badprod.p"], source_root=str(tmp_path))[0]
    assert any("colour does not exist" in w for w in report.warnings)
