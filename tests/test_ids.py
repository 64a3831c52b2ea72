from kgbuild.ids import display_label, mint, normalise_label, sha256_file, source_iri


def test_sha256_file_matches_hashlib(tmp_path):
    import hashlib

    data = b"x" * (3 << 20) + b"tail"  # spans several read chunks
    path = tmp_path / "f.bin"
    path.write_bytes(data)
    assert sha256_file(path) == hashlib.sha256(data).hexdigest()


def test_mint_is_deterministic_and_separates_parts():
    assert mint("entity", "PERSON", "marie curie") == mint("entity", "PERSON", "marie curie")
    assert mint("entity", "a b", "c") != mint("entity", "a", "b c")
    assert mint("entity", "x").startswith("https://w3id.org/kgbuild/id/entity/")


def test_source_iri_embeds_full_hash():
    assert source_iri("ab" * 32).endswith("/source/" + "ab" * 32)


def test_normalise_label_strips_articles_possessives_case_and_space():
    assert normalise_label("The  Sorbonne's") == "sorbonne"
    assert normalise_label("Marie Curie’s") == "marie curie"
    assert normalise_label("NASA") == normalise_label("nasa")
    assert normalise_label("Theodore") == "theodore"  # "The" only as a separate word
    assert display_label("the Sorbonne's") == "Sorbonne"
