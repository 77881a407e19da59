"""The mutation tool's operators (scripts/mutate.py): which mutants a region's lines give. A
one-line pipeline loses each stage in turn; brackets inside strings, calls and longer
expressions are not taken for stages."""
import mutate


def kinds(line):
    return [(kind, "".join(body)) for kind, _, _, body in mutate.mutants([line])]


def test_a_one_line_pipeline_loses_each_stage_in_turn():
    line = '        let p: [Document] = [["$match": ["a]": .objectId(x)]], ["$sort": ["b": -1]]] + more\n'
    assert kinds(line) == [
        ("delete", ""),
        ("drop stage 1 of", '        let p: [Document] = [["$sort": ["b": -1]]] + more\n'),
        ("drop stage 2 of", '        let p: [Document] = [["$match": ["a]": .objectId(x)]]] + more\n'),
    ]


def test_what_is_not_a_pipeline_of_stages_is_only_deleted():
    for line in ['        let x = [a, b]\n', '        let s = "[x]" + f([1], [2])\n',
                 '        let one: [Document] = [["$match": [:]]]\n', '        let p = [[1], [2]\n']:
        assert [kind for kind, _ in kinds(line)] == ["delete"], line


def test_a_plain_condition_is_negated_and_a_binding_is_not():
    assert ("negate", "    if !(a == b) { return }\n") in kinds("    if a == b { return }\n")
    assert [kind for kind, _ in kinds("    if let a = b { return }\n")] == ["delete"]
