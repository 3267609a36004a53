"""The harness itself: the binary starts, boto3 drives the control plane, and the workgroup's
endpoint is what the SQL tests connect to."""

from conftest import make_workgroup


def test_workgroup_settles_with_an_endpoint(emulator):
    wg = make_workgroup(emulator, "harness")
    assert wg.raw["status"] == "AVAILABLE"
    assert wg.host == "localhost"
    port = wg.port
    assert 5431 <= port <= 5455 or 8191 <= port <= 8215, port
    ns = emulator.client().get_namespace(namespaceName=wg.namespace)["namespace"]
    assert ns["status"] == "AVAILABLE"
    assert ns["dbName"] == "dev"
    assert ns["adminUsername"] == "admin"


def test_ca_certificate_is_served(emulator):
    pem = open(emulator.ca_path, "rb").read()
    assert pem.startswith(b"-----BEGIN CERTIFICATE-----"), pem[:80]
