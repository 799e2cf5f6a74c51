#!/usr/bin/env python3
"""run_faultproxy_selftest.py — self-test of tests/aws/faultproxy.py.

Rule parsing and matching, the no-upstream mode, the request log and reset,
each fault (its error bodies are read back through botocore, so AWS's own
parsers vouch that the retry layer sees the codes a real service sends),
forwarding to an upstream with keep-alive, and the command line: --port-file
and stopping on SIGTERM. Loopback only. Prints "N passed, N failed".
"""
import http.client
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import faultproxy  # noqa: E402


class Proxy:
    """An in-process proxy serving on a thread."""

    def __init__(self, **kw):
        self.srv = faultproxy.make_server(**kw)
        self.port = self.srv.server_address[1]
        self.url = "http://127.0.0.1:%d" % self.port
        self.thread = threading.Thread(target=self.srv.serve_forever, kwargs={"poll_interval": 0.05})
        self.thread.start()

    def request(self, method, path, body=b"", headers=None, conn=None):
        c = conn or http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        data = r.read()
        if conn is None:
            c.close()
        return r, data

    def log(self):
        r, data = self.request("GET", "/__fcc/log")
        return json.loads(data)

    def close(self):
        self.srv.shutdown()
        self.srv.server_close()
        self.thread.join()


def boto_client(service, url):
    import boto3
    from botocore.config import Config
    return boto3.client(service, endpoint_url=url, region_name="us-east-1",
                        aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="x",
                        config=Config(retries={"mode": "standard", "total_max_attempts": 1},
                                      s3={"addressing_style": "path"}))


class RuleTests(unittest.TestCase):
    def test_parse(self):
        self.assertEqual(faultproxy.parse_rule("3:drop"), ("nth", 3, "drop"))
        self.assertEqual(faultproxy.parse_rule("every:2:500"), ("every", 2, "500"))
        self.assertEqual(faultproxy.parse_rule("first:4:throttle"), ("first", 4, "throttle"))
        for bad in ("drop", "0:500", "x:500", "every:2", "first:1:418", "every:0:503", "1:2:3"):
            with self.assertRaises(ValueError, msg=bad):
                faultproxy.parse_rule(bad)

    def test_match(self):
        rules = [faultproxy.parse_rule(r) for r in ("first:2:throttle", "5:drop", "every:3:500")]
        got = [faultproxy.rule_fault(rules, n) for n in range(1, 8)]
        self.assertEqual(got, ["throttle", "throttle", "500", None, "drop", "500", None])

    def test_operation_rules(self):
        self.assertEqual(faultproxy.parse_rule("op=CreateProduct:lost"), ("op", "CreateProduct", "lost"))
        self.assertEqual(faultproxy.parse_rule("2:lost"), ("nth", 2, "lost"))
        for bad in ("op=:500", "op=X:418", "op=X"):
            with self.assertRaises(ValueError, msg=bad):
                faultproxy.parse_rule(bad)
        rules = [faultproxy.parse_rule(r) for r in ("op=PUT:500", "op=GetRole:denied")]
        self.assertEqual(faultproxy.rule_fault(rules, 1, "PUT"), "500")
        self.assertEqual(faultproxy.rule_fault(rules, 2, "GetRole"), "denied")
        self.assertIsNone(faultproxy.rule_fault(rules, 3, "GET"))
        self.assertEqual(faultproxy.operation_of("SageMaker.CreateProject", None, "POST"), "CreateProject")
        self.assertEqual(faultproxy.operation_of(None, "GetRole", "POST"), "GetRole")
        self.assertEqual(faultproxy.operation_of(None, None, "HEAD"), "HEAD")


class ParamFaultRuleTests(unittest.TestCase):
    def test_parse_stall_and_error(self):
        self.assertEqual(faultproxy.parse_rule("op=CreateProduct:stall=30000"),
                         ("op", "CreateProduct", "stall=30000"))
        self.assertEqual(faultproxy.parse_rule("2:stall=5"), ("nth", 2, "stall=5"))
        self.assertEqual(faultproxy.parse_rule("op=PutObject:error=ExpiredToken:400"),
                         ("op", "PutObject", "error=ExpiredToken:400"))
        self.assertEqual(faultproxy.parse_rule("every:3:error=InvalidClientTokenId:403"),
                         ("every", 3, "error=InvalidClientTokenId:403"))
        for bad in ("op=X:stall=", "op=X:stall=-1", "op=X:stall=soon", "1:error=X",
                    "1:error=:400", "1:error=X:200", "1:error=X:600", "op=X:error=X:4xx"):
            with self.assertRaises(ValueError, msg=bad):
                faultproxy.parse_rule(bad)


class ProxyTests(unittest.TestCase):
    def setUp(self):
        self.proxies = []

    def tearDown(self):
        for p in self.proxies:
            p.close()

    def proxy(self, **kw):
        p = Proxy(**kw)
        self.proxies.append(p)
        return p

    def test_no_upstream_and_log(self):
        p = self.proxy(body=b'{"ok": true}')
        r, data = p.request("POST", "/", b"{}", {"X-Amz-Target": "SageMaker.DescribePipeline",
                                                   "Content-Type": "application/x-amz-json-1.1"})
        self.assertEqual((r.status, data), (200, b'{"ok": true}'))
        p.request("POST", "/", b"Action=GetRole&Version=2010-05-08",
                  {"Content-Type": "application/x-www-form-urlencoded"})
        p.request("GET", "/bucket/key?Action=Nope")
        log = p.log()
        self.assertEqual(log["count"], 3)
        self.assertEqual([e["n"] for e in log["requests"]], [1, 2, 3])
        self.assertEqual(log["requests"][0]["target"], "SageMaker.DescribePipeline")
        self.assertEqual(log["requests"][1]["action"], "GetRole")
        self.assertEqual(log["requests"][2]["path"], "/bucket/key")
        self.assertEqual(log["requests"][2]["method"], "GET")
        r, _ = p.request("POST", "/__fcc/reset", json.dumps({"rules": ["1:503"]}).encode())
        self.assertEqual(r.status, 200)
        self.assertEqual(p.log()["count"], 0)
        r, _ = p.request("GET", "/x")
        self.assertEqual(r.status, 503)
        self.assertEqual(p.log()["requests"][0]["fault"], "503")
        r, _ = p.request("POST", "/__fcc/reset", b'{"rules": ["bogus"]}')
        self.assertEqual(r.status, 400)

    def test_throttle_json_through_botocore(self):
        from botocore.exceptions import ClientError
        p = self.proxy(rules=[faultproxy.parse_rule("1:throttle")])
        fc = boto_client("forecast", p.url)
        with self.assertRaises(ClientError) as cm:
            fc.list_dataset_groups()
        self.assertEqual(cm.exception.response["Error"]["Code"], "ThrottlingException")
        self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], 400)
        self.assertEqual(p.log()["requests"][0]["target"], "AmazonForecast.ListDatasetGroups")

    def test_throttle_query_through_botocore(self):
        from botocore.exceptions import ClientError
        p = self.proxy(rules=[faultproxy.parse_rule("every:1:throttle")])
        cfn = boto_client("cloudformation", p.url)
        with self.assertRaises(ClientError) as cm:
            cfn.describe_stacks()
        self.assertEqual(cm.exception.response["Error"]["Code"], "Throttling")
        self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], 400)
        self.assertEqual(p.log()["requests"][0]["action"], "DescribeStacks")

    def test_throttle_and_500_rest_xml_through_botocore(self):
        from botocore.exceptions import ClientError
        p = self.proxy(rules=[faultproxy.parse_rule("1:throttle"), faultproxy.parse_rule("2:500")])
        s3 = boto_client("s3", p.url)
        with self.assertRaises(ClientError) as cm:
            s3.get_object(Bucket="b", Key="k")
        self.assertEqual(cm.exception.response["Error"]["Code"], "SlowDown")
        self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], 503)
        with self.assertRaises(ClientError) as cm:
            s3.get_object(Bucket="b", Key="k")
        self.assertEqual(cm.exception.response["Error"]["Code"], "InternalFailure")
        self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], 500)

    def test_drop(self):
        p = self.proxy(rules=[faultproxy.parse_rule("1:drop")])
        with self.assertRaises((http.client.RemoteDisconnected, ConnectionError)):
            p.request("POST", "/", b"{}")
        r, _ = p.request("POST", "/", b"{}")
        self.assertEqual(r.status, 200)
        self.assertEqual([e["fault"] for e in p.log()["requests"]], ["drop", None])

    def test_operation_fault_and_lost_answer(self):
        up = self.proxy(body=b'{"from": "upstream"}')
        p = self.proxy(upstream=up.url, rules=[faultproxy.parse_rule("op=CreateProduct:lost"),
                                               faultproxy.parse_rule("op=GetRole:denied")])
        json_hdr = {"X-Amz-Target": "AWS242ServiceCatalogService.CreateProduct",
                    "Content-Type": "application/x-amz-json-1.1"}
        with self.assertRaises((http.client.RemoteDisconnected, ConnectionError)):
            p.request("POST", "/", b"{}", json_hdr)
        # the lost request did reach the upstream
        self.assertEqual(up.log()["count"], 1)
        r, data = p.request("POST", "/", b"Action=GetRole&Version=2010-05-08",
                            {"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(r.status, 403)
        self.assertIn(b"AccessDenied", data)
        r, data = p.request("POST", "/", b"{}", dict(json_hdr, **{
            "X-Amz-Target": "AWS242ServiceCatalogService.DescribeProduct"}))
        self.assertEqual((r.status, data), (200, b'{"from": "upstream"}'))
        self.assertEqual([e["fault"] for e in p.log()["requests"]], ["lost", "denied", None])

    def test_stall_holds_then_forwards(self):
        import time
        up = self.proxy(body=b'{"from": "upstream"}')
        p = self.proxy(upstream=up.url, rules=[faultproxy.parse_rule("op=CreateProduct:stall=400")])
        hdr = {"X-Amz-Target": "AWS242ServiceCatalogService.CreateProduct",
               "Content-Type": "application/x-amz-json-1.1"}
        got = {}

        def call():
            got["r"] = p.request("POST", "/", b"{}", hdr)
        t = threading.Thread(target=call)
        t0 = time.monotonic()
        t.start()
        # held: logged at once, with no answer time, and not forwarded yet
        deadline = time.monotonic() + 5
        while not p.log()["requests"] and time.monotonic() < deadline:
            time.sleep(0.01)
        entry = p.log()["requests"][0]
        self.assertEqual(entry["fault"], "stall=400")
        self.assertNotIn("t1_ms", entry)
        self.assertEqual(up.log()["count"], 0)
        t.join(10)
        self.assertGreaterEqual(time.monotonic() - t0, 0.4)
        r, data = got["r"]
        self.assertEqual((r.status, data), (200, b'{"from": "upstream"}'))
        entry = p.log()["requests"][0]
        self.assertGreaterEqual(entry["t1_ms"] - entry["t0_ms"], 400)
        self.assertNotIn("abandoned", entry)
        self.assertEqual(up.log()["count"], 1)

    def test_stall_abandoned_by_client_is_never_forwarded(self):
        import socket
        import time
        up = self.proxy(body=b"{}")
        p = self.proxy(upstream=up.url, rules=[faultproxy.parse_rule("op=PUT:stall=30000")])
        s = socket.create_connection(("127.0.0.1", p.port), timeout=10)
        s.sendall(b"PUT /b/k HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi")
        deadline = time.monotonic() + 5
        while not p.log()["requests"] and time.monotonic() < deadline:
            time.sleep(0.01)
        t_close = time.monotonic()
        s.close()  # the client dies while its request is held
        while "t1_ms" not in p.log()["requests"][0] and time.monotonic() < deadline:
            time.sleep(0.01)
        self.assertLess(time.monotonic() - t_close, 1.0)  # noticed at once, not after 30 s
        entry = p.log()["requests"][0]
        self.assertTrue(entry.get("abandoned"), entry)
        time.sleep(0.1)
        self.assertEqual(up.log()["count"], 0)

    def test_error_code_and_status_through_botocore(self):
        from botocore.exceptions import ClientError
        p = self.proxy(rules=[faultproxy.parse_rule("op=ListDatasetGroups:error=ExpiredTokenException:400"),
                              faultproxy.parse_rule("op=DescribeStacks:error=ExpiredToken:403"),
                              faultproxy.parse_rule("op=GET:error=ExpiredToken:400")])
        cases = [(lambda: boto_client("forecast", p.url).list_dataset_groups(),
                  "ExpiredTokenException", 400),
                 (lambda: boto_client("cloudformation", p.url).describe_stacks(), "ExpiredToken", 403),
                 (lambda: boto_client("s3", p.url).get_object(Bucket="b", Key="k"), "ExpiredToken", 400)]
        for fn, code, status in cases:
            with self.assertRaises(ClientError) as cm:
                fn()
            self.assertEqual(cm.exception.response["Error"]["Code"], code)
            self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], status)
            self.assertEqual(cm.exception.response["ResponseMetadata"]["RequestId"],
                             "fcc-faultproxy-0000")
        self.assertEqual([e["fault"] for e in p.log()["requests"]],
                         ["error=ExpiredTokenException:400", "error=ExpiredToken:403",
                          "error=ExpiredToken:400"])

    def test_forward_with_latency_and_keepalive(self):
        up = self.proxy(body=b'{"from": "upstream"}')
        p = self.proxy(upstream=up.url, latency_ms=20)
        conn = http.client.HTTPConnection("127.0.0.1", p.port, timeout=10)
        for i in range(3):
            r, data = p.request("POST", "/path?Action=Describe", b"x" * i,
                                {"X-Amz-Target": "T.Op%d" % i}, conn=conn)
            self.assertEqual((r.status, data), (200, b'{"from": "upstream"}'))
        r, data = p.request("GET", "/__fcc/log", conn=conn)
        conn.close()
        self.assertEqual(json.loads(data)["connections"], 1)  # the client kept one connection
        ulog = up.log()
        self.assertEqual(ulog["count"], 3)
        # the proxy kept one upstream connection; the other is this log request's own
        self.assertEqual(ulog["connections"], 2)
        self.assertEqual([e["target"] for e in ulog["requests"]], ["T.Op0", "T.Op1", "T.Op2"])
        self.assertEqual(ulog["requests"][0]["path"], "/path")
        self.assertEqual(ulog["requests"][0]["action"], "Describe")

    def test_upstream_down_is_502(self):
        import socket
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        dead = s.getsockname()[1]
        s.close()
        p = self.proxy(upstream="http://127.0.0.1:%d" % dead)
        r, _ = p.request("GET", "/")
        self.assertEqual(r.status, 502)


class CommandLineTests(unittest.TestCase):
    def test_port_file_and_sigterm(self):
        with tempfile.TemporaryDirectory() as d:
            pf = os.path.join(d, "port")
            proc = subprocess.Popen([sys.executable, os.path.join(HERE, "faultproxy.py"),
                                     "--port-file", pf, "--rule", "1:500"],
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            try:
                line = proc.stdout.readline().decode().strip()
                with open(pf) as f:
                    self.assertEqual(f.read().strip(), line)
                c = http.client.HTTPConnection("127.0.0.1", int(line), timeout=10)
                c.request("GET", "/")
                self.assertEqual(c.getresponse().status, 500)
                c.close()
            finally:
                proc.send_signal(signal.SIGTERM)
                rc = proc.wait(timeout=10)
                proc.stdout.close()
                proc.stderr.close()
            self.assertEqual(rc, 0)

    def test_bad_rule_exits_with_usage(self):
        r = subprocess.run([sys.executable, os.path.join(HERE, "faultproxy.py"), "--rule", "x"],
                           capture_output=True, timeout=20)
        self.assertEqual(r.returncode, 2)
        self.assertIn(b"bad rule", r.stderr)


def main():
    os.environ.setdefault("no_proxy", "127.0.0.1,localhost")
    os.environ["NO_PROXY"] = os.environ["no_proxy"]
    for k in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL"):
        os.environ.pop(k, None)
    os.environ["AWS_CONFIG_FILE"] = os.devnull
    os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
    suite = unittest.defaultTestLoader.loadTestsFromModule(sys.modules[__name__])
    res = unittest.TextTestRunner(verbosity=1).run(suite)
    failed = len(res.failures) + len(res.errors)
    print("%d passed, %d failed" % (res.testsRun - failed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
