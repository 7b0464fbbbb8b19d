"""One Whoosh searcher is shared by the threads of a worker: the request's search and the
drainer thread. A newer index generation must not close a searcher that a search is using."""

from __future__ import annotations

from whoosh import index
from whoosh.fields import ID, TEXT, Schema
from whoosh.qparser import QueryParser

from reflectie.search.whoosh_backend import WhooshBackend


def test_a_new_generation_waits_for_the_searcher_in_use(tmp_path):
    path = tmp_path / "ix"
    path.mkdir()
    ix = index.create_in(str(path), Schema(key=ID(stored=True, unique=True), text=TEXT))
    with ix.writer() as writer:
        for n in range(50):
            writer.add_document(key=str(n), text=f"hallo wereld {n}")
    backend = WhooshBackend(str(path))
    with backend._reading() as searcher:  # a request is searching
        with index.open_dir(str(path)).writer() as writer:  # the drainer commits a batch
            writer.add_document(key="nieuw", text="hallo")
        assert backend.usable()  # the drainer's next look opens the new generation
        query = QueryParser("text", searcher.schema).parse("hallo")
        assert len(searcher.search(query, limit=100)) == 50  # the old one still answers
        old = searcher
    assert old.is_closed  # closed once its last user was done
    with backend._reading() as fresh:
        assert len(fresh.search(query, limit=100)) == 51
    assert not fresh.is_closed  # the current one stays open for the next search
