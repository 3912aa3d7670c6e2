"""`paperkg_sentences`: sentence boundaries by spaCy's `Sentencizer` rule, read from the doc's arrays.

The rule is the Sentencizer's: a sentence ends at a token that is one of `punct_chars` and the punctuation right
after it; the next other token starts a sentence. spaCy's component walks the doc's Token objects, one Python object
a token (~90 µs an abstract in this pipeline, as much as the catalog matcher). Here the token texts come from
`Doc.to_array` (as ORTH ids), a word's punctuation flag from its lexeme (asked once per word, and only after a
sentence-final character), and the starts go back with `Doc.from_array`: ~30 µs, with the same boundaries
(tests/test_extractors.py compares the two on every seed paper). The sentences' character bounds are kept on the doc
for the other components, which would otherwise walk `doc.sents` for them.
"""

from __future__ import annotations

import numpy as np
from spacy.attrs import ORTH, SENT_START
from spacy.language import Language
from spacy.pipeline import Sentencizer
from spacy.tokens import Doc

from extractors.batching import BatchwiseComponent
from extractors.spans import keep_sentence_bounds


class SentenceSplitter(BatchwiseComponent):
    def __init__(self, nlp: Language, punct_chars: list[str] | None = None):
        self.punct_chars = list(punct_chars or Sentencizer.default_punct_chars)
        self.punct_orths = {nlp.vocab.strings.add(char) for char in self.punct_chars}
        self._is_punct: dict[int, bool] = {}  # a lexeme's punctuation flag, by its ORTH (asked only after an ending)

    def __call__(self, doc: Doc) -> Doc:
        if len(doc) == 0 or doc.has_annotation("SENT_START"):
            return doc  # nothing to split, or boundaries set already (spaCy's component would not overwrite them)
        starts = [0]
        ended = False  # a sentence-final character was seen and no sentence has started since
        punct_orths, is_punct, vocab = self.punct_orths, self._is_punct, doc.vocab
        for i, orth in enumerate(doc.to_array(ORTH).tolist()):
            if orth in punct_orths:
                ended = True
            elif ended:
                punct = is_punct.get(orth)
                if punct is None:
                    punct = is_punct[orth] = vocab[orth].is_punct
                if not punct:
                    starts.append(i)
                    ended = False
        sent_starts = np.full(len(doc), -1, dtype=np.int64)
        sent_starts[starts] = 1
        doc.from_array([SENT_START], sent_starts.view(np.uint64))
        # each sentence's characters, for the components (`extractors.spans.sentence_bounds`): what walking
        # `doc.sents` gives, from its first token's offset to the end of its last token
        bounds = []
        for start, end in zip(starts, [*starts[1:], len(doc)]):
            last = doc[end - 1]
            bounds.append((doc[start].idx, last.idx + len(last)))
        keep_sentence_bounds(doc, bounds)
        return doc


@Language.factory("paperkg_sentences", default_config={"punct_chars": None})
def make_sentence_splitter(nlp: Language, name: str, punct_chars: list[str] | None) -> SentenceSplitter:
    return SentenceSplitter(nlp, punct_chars)
