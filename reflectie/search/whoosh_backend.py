"""Whoosh, the embedded engine: an index directory under instance/search/.

All Whoosh calls live here (dependencies.md §1.5). Only the holder of the drain lock (a
non-blocking fcntl lock on a file next to the index) ever opens a writer; requests only read.
A rebuild writes a fresh directory beside the old one and swaps it in by renaming.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import gc
import itertools
import logging
import operator
import os
import shutil
import threading
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from markupsafe import Markup
from whoosh import index, sorting
from whoosh.analysis import Analyzer, Token
from whoosh.fields import DATETIME, ID, KEYWORD, STORED, TEXT, Schema
from whoosh.query import And, AndNot, Every, Or, Query, Term
from whoosh.scoring import BM25F

from reflectie.search import analysis
from reflectie.search.backend import FACETS, Hits, IndexUnavailable, SearchRequest
from reflectie.search.query import Query as SearchQuery
from reflectie.search.registry import Document

log = logging.getLogger(__name__)


class DutchAnalyzer(Analyzer):
    """Yields reflectie.search.analysis terms (or plain words), so Whoosh and PostgreSQL
    index exactly the same tokens."""

    def __init__(self, kind: str = "terms") -> None:
        self.kind = kind  # "terms", "pairs" (neighbouring terms) or "words" (unstemmed)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, DutchAnalyzer) and other.kind == self.kind

    def __hash__(self) -> int:
        return hash(("DutchAnalyzer", self.kind))

    def __call__(  # type: ignore[override]
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        mode: str = "",
        **kwargs: Any,
    ) -> Iterator[Token]:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if self.kind == "terms":
            found = analysis.terms(value)
        elif self.kind == "pairs":
            found = analysis.pairs(value)
        else:
            found = sorted(analysis.spelling_words(value))
        for pos, text in enumerate(found):
            token.text = text
            token.boost = 1.0
            token.stopped = False
            if positions:
                token.pos = start_pos + pos
            if chars:
                token.startchar = token.endchar = start_char
            yield token


def schema() -> Schema:
    return Schema(
        key=ID(stored=True, unique=True),
        type=ID(stored=True, sortable=True),
        # Title (twice: it weighs double) and body in one field: a query is then an AND of
        # plain terms, which Whoosh answers with block-skipping intersections (dependencies.md
        # §2: multi-field OR queries made every match be scored).
        text=TEXT(analyzer=DutchAnalyzer(), phrase=False),
        pairs=TEXT(analyzer=DutchAnalyzer("pairs"), phrase=False),
        words=TEXT(analyzer=DutchAnalyzer("words"), phrase=False),
        kwestie=KEYWORD(commas=True),
        tag=KEYWORD(commas=True),
        method=ID(sortable=True),
        year=ID(sortable=True),
        date=DATETIME(sortable=True),
        principals=KEYWORD(commas=True),
        fingerprint=STORED,
    )


def _fields(doc: Document) -> dict[str, Any]:
    return {
        "key": doc.key,
        "type": doc.type,
        "text": f"{doc.title}\n{doc.title}\n{doc.body}",
        "pairs": f"{doc.title}\n{doc.body}",
        "words": f"{doc.title} {doc.body}",
        "kwestie": ",".join(str(k) for k in doc.kwesties),
        "tag": ",".join(analysis.fold(t) for t in doc.tags),
        "method": doc.method,
        "year": str(doc.year),
        "date": doc.date.replace(tzinfo=None),
        "principals": ",".join(sorted(doc.principals)),
        "fingerprint": doc.fingerprint(),
    }


def _text(phrase: tuple[str, ...]) -> Query:
    """One term, or a phrase as the AND of its neighbouring pairs (no positions needed)."""
    if len(phrase) == 1:
        return Term("text", phrase[0])
    pairs = sorted({f"{a}_{b}" for a, b in itertools.pairwise(phrase)})
    return Term("pairs", pairs[0]) if len(pairs) == 1 else And([Term("pairs", p) for p in pairs])


def compile_query(query: SearchQuery, *, any_terms: bool = False) -> Query:
    groups = [_text(g[0]) if len(g) == 1 else Or([_text(p) for p in g]) for g in query.groups]
    if not groups:
        text: Query = Every()
    elif len(groups) == 1:
        text = groups[0]
    elif any_terms:
        text = Or(groups)
    else:
        text = And(groups)
    parts = [text]
    for name, values in sorted(query.filters.items()):
        parts.append(Or([Term(name, v) for v in sorted(values)]))
    compiled: Query = And(parts) if len(parts) > 1 else text
    if query.exclude:
        compiled = AndNot(compiled, Or([_text(p) for p in query.exclude]))
    return compiled


def _principal_filter(principals: set[str]) -> Query:
    return Or([Term("principals", p) for p in sorted(principals)])


class WhooshBackend:
    name = "whoosh"

    def __init__(self, path: str) -> None:
        self.path = Path(path)
        self.lock_path = self.path.with_name(self.path.name + ".lock")
        self._ix: Any = None
        self._searcher: Any = None
        self._inode: int | None = None
        self._generation = -1
        self._mutex = threading.Lock()
        # Searchers in use by a thread (the request, or the drainer thread asking usable()): a
        # newer generation retires the old searcher, which closes when its last user is done.
        self._uses: dict[int, int] = {}
        self._retired: dict[int, Any] = {}
        self._facet_cache: tuple[Any, dict[Any, Any]] = (None, {})

    # --- reading ---------------------------------------------------------------------------

    def usable(self) -> bool:
        try:
            with self._reading():
                return True
        except IndexUnavailable:
            return False

    @contextmanager
    def _reading(self) -> Iterator[Any]:
        failure = None
        with self._mutex, warnings.catch_warnings():
            # A garbled index makes Whoosh leak the file it was reading: collect it quietly.
            warnings.simplefilter("ignore", ResourceWarning)
            try:
                inode = os.stat(self.path).st_ino
                # A fresh searcher per index generation: Searcher.refresh() reuses the reader
                # of a segment whose deletions changed, and would still show replaced documents.
                if (
                    self._searcher is None
                    or inode != self._inode
                    or self._ix.latest_generation() != self._generation
                ):
                    self._close()
                    self._ix = index.open_dir(str(self.path))
                    self._generation = self._ix.latest_generation()
                    self._searcher = self._ix.searcher(weighting=BM25F())
                    self._inode = inode
                searcher = self._searcher
                self._uses[id(searcher)] = self._uses.get(id(searcher), 0) + 1
            except Exception as err:  # missing, truncated or garbled files all mean "rebuild"
                failure = f"{type(err).__name__}: {err}"
            if failure is not None:
                self._close()
                gc.collect()
        if failure is not None:
            raise IndexUnavailable(failure)
        try:
            yield searcher
        except IndexUnavailable:
            raise
        except Exception as err:
            log.warning("search index unreadable: %r", err, exc_info=True)
            with self._mutex:
                if searcher is self._searcher:
                    self._close()
            raise IndexUnavailable(str(err)) from err
        finally:
            with self._mutex:
                self._release(searcher)

    def _release(self, searcher: Any) -> None:
        key = id(searcher)
        left = self._uses.pop(key, 1) - 1
        if left:
            self._uses[key] = left
        elif (retired := self._retired.pop(key, None)) is not None:
            with contextlib.suppress(Exception):
                retired.close()

    def version(self) -> Any:
        try:
            with self._reading():
                return (self._inode, self._generation)
        except IndexUnavailable:
            return None

    def _close(self) -> None:
        """Drop the current searcher: closed now, or by its last user (see _release)."""
        searcher = self._searcher
        if searcher is not None:
            if self._uses.get(id(searcher)):
                self._retired[id(searcher)] = searcher
            else:
                with contextlib.suppress(Exception):  # closing a broken index must not hide it
                    searcher.close()
        self._searcher = self._ix = self._inode = None

    def search(self, request: SearchRequest) -> Hits:
        if not request.principals:
            return Hits(0, [], {})
        compiled = compile_query(request.query, any_terms=request.any_terms)
        sortedby = sorting.FieldFacet("date", reverse=True) if request.sort == "date" else None
        with self._reading() as searcher:
            allowed = self._allowed(searcher, request.principals, request.mask)
            if request.sort == "recent":
                return self._recent(searcher, request, allowed[1])
            results = searcher.search(
                compiled,
                limit=request.page * request.per_page,
                filter=allowed[0],
                sortedby=sortedby,
            )
            start = (request.page - 1) * request.per_page
            hits = []
            for hit in results[start : start + request.per_page]:
                doc_type, _, doc_id = hit["key"].partition(":")
                hits.append((doc_type, int(doc_id), float(hit.score or 0.0)))
            if not request.facets:
                return Hits(len(hits), hits, {})  # the caller wants no total
            # The exact total and the facet counts come from docnum bitmaps (Python ints):
            # the matches, within the reader's principals, minus the mask.
            matched = self._match_bits(searcher, request.query, request.any_terms) & allowed[1]
            facets = {}
            for name in FACETS:
                counts = (
                    (v, (matched & bits).bit_count())
                    for v, bits in self._values(searcher, name).items()
                )
                facets[name] = sorted(
                    ((v, c) for v, c in counts if c), key=lambda vc: (-vc[1], vc[0])
                )
            return Hits(matched.bit_count(), hits, facets)

    def _recent(self, searcher: Any, request: SearchRequest, allowed: int) -> Hits:
        """The highest docnums (the latest indexed) of the matches, without scoring."""
        matched = self._match_bits(searcher, request.query, request.any_terms) & allowed
        remaining, picked = matched, []
        skip = (request.page - 1) * request.per_page
        while remaining and len(picked) < skip + request.per_page:
            docnum = remaining.bit_length() - 1
            remaining ^= 1 << docnum
            picked.append(docnum)
        hits = []
        for docnum in picked[skip:]:
            doc_type, _, doc_id = searcher.stored_fields(docnum)["key"].partition(":")
            hits.append((doc_type, int(doc_id), 0.0))
        return Hits(matched.bit_count(), hits, {})

    def count(self, query: SearchQuery, principals: set[str], mask: set[str]) -> int:
        if not principals:
            return 0
        with self._reading() as searcher:
            allowed = self._allowed(searcher, principals, mask)
            return (self._match_bits(searcher, query) & allowed[1]).bit_count()

    # --- docnum sets of one searcher generation, kept as bitmaps (Python ints) ---------------

    def _cache(self, searcher: Any) -> dict[Any, Any]:
        if self._facet_cache[0] is not searcher:
            self._facet_cache = (searcher, {})
        cache = self._facet_cache[1]
        if len(cache) > 4096:  # term bitmaps of rare queries: start over
            cache.clear()
        return cache

    @staticmethod
    def _to_bits(searcher: Any, docnums: Iterable[int]) -> int:
        buffer = bytearray(searcher.doc_count_all() // 8 + 1)
        for docnum in docnums:
            buffer[docnum >> 3] |= 1 << (docnum & 7)
        return int.from_bytes(buffer, "little")

    def _bits(self, searcher: Any, key: Any, query: Query) -> int:
        cache = self._cache(searcher)
        if key not in cache:
            cache[key] = self._to_bits(searcher, searcher.docs_for_query(query))
        return cache[key]  # type: ignore[no-any-return]

    def _live(self, searcher: Any) -> int:
        """Documents not deleted (postings still list replaced documents)."""
        cache = self._cache(searcher)
        if "live" not in cache:
            cache["live"] = self._to_bits(searcher, searcher.reader().all_doc_ids())
        return cache["live"]  # type: ignore[no-any-return]

    def _allowed(self, searcher: Any, principals: set[str], mask: set[str]) -> tuple[set[int], int]:
        """(docnum set, bitmap) of the live documents the principals may read, minus the mask."""
        cache = self._cache(searcher)
        key = ("allowed", frozenset(principals))
        if key not in cache:
            docs = set(searcher.docs_for_query(_principal_filter(principals)))
            bits = self._to_bits(searcher, docs) & self._live(searcher)
            cache[key] = (docs, bits)
        docs, bits = cache[key]
        if mask:
            masked = set(searcher.docs_for_query(Or([Term("key", k) for k in sorted(mask)])))
            docs = docs - masked
            bits &= ~self._to_bits(searcher, masked)
        return docs, bits

    def _phrase_bits(self, searcher: Any, phrase: tuple[str, ...]) -> int:
        if len(phrase) == 1:
            return self._bits(searcher, ("text", phrase[0]), Term("text", phrase[0]))
        pairs = {f"{a}_{b}" for a, b in itertools.pairwise(phrase)}
        return functools.reduce(
            operator.and_, (self._bits(searcher, ("pairs", p), Term("pairs", p)) for p in pairs)
        )

    def _match_bits(self, searcher: Any, query: SearchQuery, any_terms: bool = False) -> int:
        live = self._live(searcher)
        if query.groups:
            groups = [
                functools.reduce(operator.or_, (self._phrase_bits(searcher, p) for p in group))
                for group in query.groups
            ]
            text = functools.reduce(operator.or_ if any_terms else operator.and_, groups) & live
        else:
            text = live
        for name, values in query.filters.items():
            known = self._values(searcher, name)
            text &= functools.reduce(operator.or_, (known.get(v, 0) for v in values), 0)
        if query.exclude:
            text &= ~functools.reduce(
                operator.or_, (self._phrase_bits(searcher, p) for p in query.exclude)
            )
        return text

    def _values(self, searcher: Any, name: str) -> dict[str, int]:
        """value → bitmap of the live documents with that value in facet field `name`."""
        cache = self._cache(searcher)
        key = ("values", name)
        if key not in cache:
            live = self._live(searcher)
            values = {}
            for raw in searcher.lexicon(name):
                value = raw.decode() if isinstance(raw, bytes) else str(raw)
                bits = self._to_bits(searcher, searcher.docs_for_query(Term(name, value))) & live
                if value and bits:
                    values[value] = bits
            cache[key] = values
        return cache[key]  # type: ignore[no-any-return]

    def spelling_candidates(self, word: str, principals: set[str]) -> list[str]:
        """Words of the whole index near `word`; the caller keeps those the reader can find."""
        with self._reading() as searcher:
            reader = searcher.reader()
            found = [
                t.decode() if isinstance(t, bytes) else t
                for t in reader.terms_within("words", word, 2, prefix=1)
            ]
            ranked = sorted(
                (analysis.distance(t, word), -reader.doc_frequency("words", t), t) for t in found
            )
            return [t for _d, _n, t in ranked][:8]

    def doc_frequencies(self, terms: list[str]) -> dict[str, int]:
        with self._reading() as searcher:
            reader = searcher.reader()
            return {t: reader.doc_frequency("text", t) for t in terms}

    def snippets(
        self, texts: list[str], terms: set[str], words: Sequence[str] = ()
    ) -> list[Markup]:
        """Made in Python: Whoosh matches exactly the analysis terms, so `words` adds none."""
        return [analysis.highlight(text, terms) for text in texts]

    # --- writing (drain lock holders only) ---------------------------------------------------

    @contextmanager
    def writer_lock(self) -> Iterator[bool]:
        self.lock_path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    def begin_batch(self) -> bool:
        return True

    def apply(self, upserts: list[Document], deletes: list[str]) -> None:
        if not index.exists_in(str(self.path)):
            raise IndexUnavailable("no index")
        ix = index.open_dir(str(self.path))
        # The drain lock makes this the only writer; the timeout only covers a reindex that
        # has just swapped directories.
        writer = ix.writer(timeout=10.0)
        try:
            for key in deletes:
                writer.delete_by_term("key", key)
            for doc in upserts:
                writer.update_document(**_fields(doc))
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
        ix.close()

    def rebuild(self, documents: Iterable[Document], progress: Callable[[int], None]) -> int:
        """Build a fresh index beside the current one, then swap it in."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fresh = self.path.with_name(f"{self.path.name}.new-{os.getpid()}")
        shutil.rmtree(fresh, ignore_errors=True)
        fresh.mkdir()
        ix = index.create_in(str(fresh), schema())
        writer = ix.writer(limitmb=128)
        count = 0
        try:
            for doc in documents:
                writer.add_document(**_fields(doc))
                count += 1
                progress(1)
        except BaseException:
            writer.cancel()
            shutil.rmtree(fresh, ignore_errors=True)
            raise
        writer.commit()
        ix.close()
        old = self.path.with_name(f"{self.path.name}.old-{os.getpid()}")
        if self.path.exists() or self.path.is_symlink():
            os.replace(self.path, old)
        os.replace(fresh, self.path)
        shutil.rmtree(old, ignore_errors=True)
        with self._mutex:
            self._close()
        return count

    def fingerprints(self) -> Iterator[tuple[str, str]]:
        with self._reading() as searcher:
            for fields in searcher.all_stored_fields():
                yield fields["key"], fields.get("fingerprint", "")

    def size_bytes(self) -> int:
        if not self.path.exists():
            return 0
        return sum(f.stat().st_size for f in self.path.iterdir() if f.is_file())
