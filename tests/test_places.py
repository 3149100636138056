from assistant.places import fields_in, places_in


def test_places_are_found_by_any_name_that_establishes_them() -> None:
    assert places_in("The Beijing Internet Court held") == {"CN"}
    assert places_in("Under Japanese law and in Brazil") == {"JP", "BR"}
    assert places_in("在巴西,专利") == {"BR"}
    assert places_in("a neutral citation") == set()  # "eu" only as a word


def test_fields_other_than_copyright() -> None:
    assert fields_in("patent infringement suits") == {"patent"}
    assert fields_in("trade mark infringement through watermarks") == {"trade mark"}
    assert fields_in("copyright infringement") == set()
