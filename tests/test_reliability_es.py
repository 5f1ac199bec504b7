"""Reliability with Elasticsearch: down before indexing, rejecting some documents, answering 429,
dying in the middle of a bulk request. The store never loses an article, the error is clear, and
the next run leaves backend count == store count."""

from __future__ import annotations

import copy
import http.client
import json
import socket
import struct
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import pytest

from indexer.base import Filters, SearchRequest
from indexer.elasticsearch_backend import SEARCH_ATTEMPTS, ElasticsearchBackend, load_mapping, mapping_version
from indexer.sync import rebuild, sync
from tests.backend_contract import corpus
from warta.crawl import run_crawl
from warta.demo import demo_settings
from warta.errors import BackendUnavailable, DocumentsRejected, WartaError
from warta.query import MatchAll
from warta.replica.server import ReplicaCluster, sources
from warta.store import Store

pytestmark = pytest.mark.es


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stored_set(store: Store) -> dict[str, tuple]:
    """Keyed by URL path: each test runs its own replica, on its own port."""
    return {urlsplit(a.canonical_url).path: (a.content_hash, a.title, a.body) for a in store.iter_articles()}


@pytest.fixture(scope="module")
def mmc_baseline(tmp_path_factory):
    """An undisturbed crawl of the media-centre replica into the embedded backend."""
    with ReplicaCluster(sites=("mmc",)) as cluster:
        s = demo_settings(tmp_path_factory.mktemp("es-baseline"), sources(cluster))
        assert run_crawl(s).status == "ok"
    store = Store(s.store_path)
    try:
        return stored_set(store)
    finally:
        store.close()


def es_settings(tmp_path, cluster, url: str, alias: str):
    return demo_settings(tmp_path, sources(cluster)).model_copy(
        update={"backend": "elasticsearch", "es_url": url, "es_alias": alias})


def test_es_down_before_indexing_then_indexed_on_the_next_run(tmp_path, es_url, es_backend_factory, mmc_baseline):
    alias = f"warta-rel-{uuid.uuid4().hex[:8]}"
    with ReplicaCluster(sites=("mmc",)) as cluster:
        down = es_settings(tmp_path, cluster, f"http://127.0.0.1:{closed_port()}", alias)
        first = run_crawl(down)
        assert first.status == "ok"
        assert first.indexed == 0
        assert "unreachable" in first.index_error and "127.0.0.1" in first.index_error
        store = Store(down.store_path)
        assert stored_set(store) == mmc_baseline
        assert first.pending_index == store.pending_count("elasticsearch") == store.count() == 13
        store.close()

        up = down.model_copy(update={"es_url": es_url})
        second = run_crawl(up)
    assert (second.status, second.index_error, second.pending_index) == ("ok", "", 0)
    assert second.indexed == 13
    assert_complete(es_backend_factory(alias), up.store_path, mmc_baseline)


def assert_complete(backend, store_path, baseline) -> None:  # noqa: ANN001
    """Nothing lost: the store holds the undisturbed run's articles, the backend all 13 of them once."""
    store = Store(store_path)
    try:
        assert backend.count() == store.count() == 13
        assert stored_set(store) == baseline
    finally:
        store.close()


def _create_rejecting_index(backend) -> None:  # noqa: ANN001
    """The alias points at an index whose mapping says `topics` is an integer: every document
    with a topic is rejected (document_parsing_exception), every one without is accepted."""
    spec = copy.deepcopy(load_mapping())
    spec["mappings"]["properties"]["topics"] = {"type": "integer"}
    backend.client.indices.create(index=f"{backend.alias}-v{mapping_version()}-000001",
                                  settings=spec["settings"], mappings=spec["mappings"],
                                  aliases={backend.alias: {"is_write_index": True}})


def test_es_rejecting_some_documents_loses_nothing(tmp_path, es_url, es_backend_factory, mmc_baseline):
    alias = f"warta-rel-{uuid.uuid4().hex[:8]}"
    backend = es_backend_factory(alias, ready=False)
    _create_rejecting_index(backend)
    with ReplicaCluster(sites=("mmc",)) as cluster:
        s = es_settings(tmp_path, cluster, es_url, alias)
        try:
            result = run_crawl(s)
            message = result.index_error
        except WartaError as e:
            message = str(e)
        assert "rejected" in message and "topics" in message, message
        assert message.count("\n") == 0 and len(message) < 600
        store = Store(s.store_path)
        try:
            with_topics = sum(1 for a in store.iter_articles() if a.topics)
            assert 0 < with_topics < 13
            assert f"rejected {with_topics} of 13 documents" in message
            assert stored_set(store) == mmc_baseline  # nothing lost from the store
            assert store.integrity_ok()
            assert store.runs(1)[0]["status"] == "ok"  # the crawl itself completed
            # The accepted documents are recorded as indexed; only the refused ones are tried again.
            assert store.pending_count("elasticsearch") == with_topics
            assert backend.count() == 13 - with_topics
            # A refusal in one batch does not stop the later batches.
            store.forget_indexed("elasticsearch")
            with pytest.raises(DocumentsRejected, match=f"rejected {with_topics} of 13 documents"):
                sync(store, backend, batch=4)
            assert store.pending_count("elasticsearch") == with_topics

            # The operator fixes the index (`warta reindex` rebuilds it with the right mapping) ...
            assert rebuild(store, backend) == 13
            assert backend.count() == store.count() == 13
        finally:
            store.close()
        # ... and the next run completes with nothing waiting.
        again = run_crawl(s)
    assert (again.status, again.index_error, again.pending_index) == ("ok", "", 0)
    assert sum(r["stats"].new for r in again.sources) == 0
    assert backend.count() == 13


# --------------------------------------------------------------------------- fault-injection proxy


class FaultyProxy:
    """An HTTP proxy in front of Elasticsearch that can answer bulk requests with 429, or
    forward them and then drop the connection before the answer (the bulk was applied, the
    client never hears so), and answer searches as if the node holding the shard copy had
    left mid-search. Every other request — and every header, X-Elastic-Product included —
    passes through."""

    def __init__(self, upstream: str) -> None:
        u = urlsplit(upstream)
        self.upstream = (u.hostname, u.port)
        self.too_many = 0  # next N bulk requests get 429
        self.die_after_forward = 0  # next N bulk requests are applied, then the connection drops
        self.context_missing = 0  # next N searches fail as when a node leaves between query and fetch
        self.bulk_seen = 0
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> "FaultyProxy":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def fault_for_bulk(self) -> str:
        with self._lock:
            self.bulk_seen += 1
            if self.too_many > 0:
                self.too_many -= 1
                return "429"
            if self.die_after_forward > 0:
                self.die_after_forward -= 1
                return "die"
            return ""

    def fault_for_search(self) -> str:
        with self._lock:
            if self.context_missing > 0:
                self.context_missing -= 1
                return "context_missing"
            return ""

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

            def _forward(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                fault = (proxy.fault_for_bulk() if "/_bulk" in self.path
                         else proxy.fault_for_search() if "/_search" in self.path else "")
                if fault in REFUSALS:
                    status, error = REFUSALS[fault]
                    data = json.dumps({"error": error, "status": status}).encode()
                    self.send_response(status)
                    self.send_header("X-Elastic-Product", "Elasticsearch")
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                    return
                conn = http.client.HTTPConnection(*proxy.upstream, timeout=60)
                try:
                    headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
                    conn.request(self.command, self.path, body=body, headers=headers)
                    resp = conn.getresponse()
                    data = resp.read()
                finally:
                    conn.close()
                if fault == "die":
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    self.close_connection = True
                    return
                self.send_response(resp.status)
                for k, v in resp.getheaders():
                    if k.lower() not in ("transfer-encoding", "connection", "content-length"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _forward

        return Handler


REFUSALS: dict[str, tuple[int, dict[str, Any]]] = {
    "429": (429, {"type": "es_rejected_execution_exception", "reason": "rejected by the test proxy"}),
    # What Elasticsearch answered in the cluster test when a data node shut down mid-search.
    "context_missing": (404, {
        "root_cause": [{"type": "search_context_missing_exception", "reason": "No search context found for id [7]"}],
        "type": "search_phase_execution_exception", "reason": "all shards failed", "phase": "fetch"}),
}


def test_a_search_whose_node_left_mid_search_is_repeated(es_url, es_backend_factory):
    alias = f"warta-rel-{uuid.uuid4().hex[:8]}"
    writer = es_backend_factory(alias)
    writer.ensure_ready()
    writer.index(corpus()[:3])
    request = SearchRequest(MatchAll(), filters=Filters(include_copies=True), facets=False, snippets=False)
    with FaultyProxy(es_url) as proxy:
        reader = ElasticsearchBackend(proxy.url, alias)
        try:
            # Two failures in a row: the third attempt is answered by a live copy.
            proxy.context_missing = SEARCH_ATTEMPTS - 1
            assert reader.search(request).total == 3 and proxy.context_missing == 0
            # Still failing after every attempt: a clear, retryable error, not "no index, reindex".
            proxy.context_missing = SEARCH_ATTEMPTS
            with pytest.raises(BackendUnavailable) as failed:
                reader.search(request)
            assert "a node left during it" in str(failed.value) and "reindex" not in str(failed.value)
        finally:
            reader.close()


def test_es_429_and_a_connection_dying_mid_bulk(tmp_path, es_url, es_backend_factory, mmc_baseline):
    alias = f"warta-rel-{uuid.uuid4().hex[:8]}"
    with FaultyProxy(es_url) as proxy, ReplicaCluster(sites=("mmc",)) as cluster:
        s = es_settings(tmp_path, cluster, proxy.url, alias)
        # Every bulk attempt is applied by Elasticsearch, but no answer ever comes back.
        proxy.die_after_forward = 100
        first = run_crawl(s)
        assert first.status == "ok"
        assert first.index_error and "127.0.0.1" in first.index_error, first.index_error
        store = Store(s.store_path)
        assert stored_set(store) == mmc_baseline
        assert first.pending_index == store.pending_count("elasticsearch") == 13
        store.close()
        assert proxy.bulk_seen >= 1

        # The connection heals but Elasticsearch is overloaded for a while: 429s, retried with back-off.
        proxy.die_after_forward = 0
        proxy.too_many = 4
        seen = proxy.bulk_seen
        second = run_crawl(s)
        assert (second.status, second.index_error, second.pending_index) == ("ok", "", 0)
        assert proxy.too_many == 0 and proxy.bulk_seen - seen >= 5
    # The documents applied by the dropped bulk requests were indexed again, not twice.
    assert_complete(es_backend_factory(alias), s.store_path, mmc_baseline)
