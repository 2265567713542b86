"""Flows as data: transitions are pure, and broken flows are refused when loaded."""

from __future__ import annotations

import pytest

from conversations.answers import Text
from conversations.choices import Choice
from conversations.flow import (
    END,
    Branch,
    EditField,
    Flow,
    FlowError,
    Start,
    Step,
    check_flows,
    next_step,
)
from conversations.flows import FLOWS
from conversations.flows.registration import registration
from conversations.state import FlowState


def step(name, then=None, answer=None):
    return Step(name, "?", answer or Text(), then=then)


def test_next_step_follows_the_list_then_ends():
    flow = Flow("f", [step("a"), step("b")])
    assert next_step(flow, flow.step("a"), FlowState()) == "b"
    assert next_step(flow, flow.step("b"), FlowState()) == END


def test_next_step_by_answer_with_a_default():
    flow = Flow("f", [step("a", then={"x": "b", "*": END}), step("b")])
    assert next_step(flow, flow.step("a"), FlowState(answers={"a": "x"})) == "b"
    assert next_step(flow, flow.step("a"), FlowState(answers={"a": "other"})) == END


def test_next_step_by_a_pure_function_of_the_answers():
    choose = Branch(lambda answers: "b" if answers["a"] == "artisan" else "c", ("b", "c"))
    flow = Flow("f", [step("a", then=choose), step("b", then=END), step("c")])
    assert next_step(flow, flow.step("a"), FlowState(answers={"a": "artisan"})) == "b"
    assert next_step(flow, flow.step("a"), FlowState(answers={"a": "lapas"})) == "c"


def test_editing_a_field_returns_to_the_summary():
    flow = Flow("f", [
        step("name", then="confirm"),
        step("city", then="confirm"),
        step("confirm", then={"save": END, "edit": "field"}),
        step("field", then=EditField("field", back_to="confirm", targets=("name", "city"))),
    ])
    state = FlowState(answers={"field": "city"})
    assert next_step(flow, flow.step("field"), state) == "city"
    assert state.return_to == "confirm"
    assert next_step(flow, flow.step("city"), state) == "confirm"
    assert state.return_to is None


def test_registration_steps_for_an_artisan_and_an_officer():
    def after(step: str, answers: dict) -> object:
        return next_step(registration, registration.step(step), FlowState(answers=answers))

    artisan = {"consent": "agree", "role": "artisan"}
    officer = {"consent": "agree", "role": "lapas"}
    assert after("consent", artisan) == "role"
    assert after("consent", {"consent": "decline"}) == END
    assert after("role", artisan) == "name_offer"
    assert after("role", officer) == "invite_code"
    assert after("name_offer", {**artisan, "name_offer": "no"}) == "name"
    assert after("name_offer", {**artisan, "name_offer": "yes"}) == "business"
    assert after("name_offer", {**officer, "name_offer": "Siti Aminah"}) == "phone"
    assert after("name", artisan) == "business"
    assert after("name", officer) == "phone"


def test_the_shipped_flows_are_sound():
    check_flows(FLOWS)
    for flow in FLOWS.values():
        assert all(":" not in s.name for s in flow.steps)


def test_a_flow_leading_to_an_unknown_step_is_refused():
    with pytest.raises(FlowError, match="unknown step"):
        check_flows({"f": Flow("f", [step("a", then="nowhere")])})


def test_a_flow_starting_an_unknown_flow_is_refused():
    with pytest.raises(FlowError, match="unknown flow"):
        check_flows({"f": Flow("f", [step("a", then=Start("ghost"))])})


def test_an_unreachable_step_is_refused():
    with pytest.raises(FlowError, match="unreachable steps b"):
        check_flows({"f": Flow("f", [step("a", then=END), step("b")])})


def test_a_flow_that_can_never_finish_is_refused():
    loop = Choice(choices=(("again", "Again"),))
    with pytest.raises(FlowError, match="never finish"):
        check_flows({"f": Flow("f", [step("a"), step("b", then={"again": "a"}, answer=loop)])})


def test_two_steps_of_one_name_are_refused():
    with pytest.raises(FlowError, match="same name"):
        check_flows({"f": Flow("f", [step("a"), step("a")])})


def test_a_state_in_the_older_layout_is_read_part_by_part():
    from conversations.state import Draft

    old = {"name": "Kain", "category": "tenun", "revising": 5, "_tries": 2,
           "_return_to": "confirm",
           "_drafts": {"product": {"step": "price",
                                   "answers": {"name": "Ikat", "_return_to": "confirm"}}}}
    state = FlowState.from_json(old, steps={"name", "category", "price"})
    assert state.answers == {"name": "Kain", "category": "tenun"}
    assert state.scratch == {"revising": 5}
    assert (state.tries, state.return_to) == (2, "confirm")
    assert state.drafts == {"product": Draft("price", {"name": "Ikat"}, "confirm")}
    assert FlowState.from_json(state.to_json()) == state  # and written in the new one
