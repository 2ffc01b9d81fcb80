"""The load test's parts: the deployment (server), the protocol client, the Chromium
client, the scenarios, the report. The command is benchmarks/load_test.py."""
