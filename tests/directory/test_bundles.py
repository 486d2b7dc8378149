"""One-thing bundles and the guide that tells a resident what to bring."""

import httpx


async def test_bundles_include_the_plans_named_ones(client: httpx.AsyncClient) -> None:
    body = (await client.get("/v1/bundles")).json()
    codes = {bundle["code"] for bundle in body["items"]}
    assert {"residence_permit", "social_assistance", "municipal_funding"} <= codes
    assert len(codes) >= 6
    assert all(bundle["matter_count"] >= 2 for bundle in body["items"])


async def test_bundle_detail_has_matters_materials_and_questions(client: httpx.AsyncClient) -> None:
    bundle = (await client.get("/v1/bundles/residence_permit")).json()
    assert bundle["name"] == "居住证办理一件事"
    assert bundle["questions"] and bundle["matters"]
    matter = bundle["matters"][0]
    assert matter["department"] and matter["promised_days"] >= 0 and 1 <= matter["online_depth"] <= 4
    assert matter["materials"] and matter["materials"][0]["name"]


async def test_guide_merges_documents_shared_by_matters(client: httpx.AsyncClient) -> None:
    bundle = (await client.get("/v1/bundles/social_assistance")).json()
    answers = {}
    for question in bundle["questions"]:
        answers[question["code"]] = True if question["type"] == "boolean" else question["options"][0]["value"]
    response = await client.post("/v1/bundles/social_assistance/guide", json={"answers": answers})
    assert response.status_code == 200, response.text
    guide = response.json()
    assert guide["matters"] and guide["unanswered"] == []
    assert guide["materials_required"] == len(guide["materials"]) < guide["materials_total"]
    assert guide["materials_total"] == sum(len(matter["materials"]) for matter in guide["matters"])
    assert guide["promised_days"] == max(matter["promised_days"] for matter in guide["matters"])
    shared = [material for material in guide["materials"] if len(material["needed_for"]) > 1]
    assert shared


async def test_guide_without_answers_lists_only_unconditional_matters(client: httpx.AsyncClient) -> None:
    bundle = (await client.get("/v1/bundles/residence_permit")).json()
    guide = (await client.post("/v1/bundles/residence_permit/guide", json={"answers": {}})).json()
    unconditional = {matter["code"] for matter in bundle["matters"] if not matter["applies_when"]}
    assert {matter["code"] for matter in guide["matters"]} == unconditional
    assert guide["unanswered"]


async def test_guide_refuses_answers_that_do_not_fit(client: httpx.AsyncClient) -> None:
    bundle = (await client.get("/v1/bundles/residence_permit")).json()
    boolean = next(q for q in bundle["questions"] if q["type"] == "boolean")
    wrong_type = await client.post("/v1/bundles/residence_permit/guide", json={"answers": {boolean["code"]: "maybe"}})
    assert wrong_type.status_code == 422 and wrong_type.json()["errors"][0]["loc"][-1] == boolean["code"]
    unknown = await client.post("/v1/bundles/residence_permit/guide", json={"answers": {"favourite_colour": "red"}})
    assert unknown.status_code == 422
    malformed = await client.post(
        "/v1/bundles/residence_permit/guide", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert malformed.status_code == 422 and malformed.json()["code"] == "validation_failed"
    assert (await client.post("/v1/bundles/no_such_thing/guide", json={"answers": {}})).status_code == 404
    assert (await client.get("/v1/bundles/NO-SUCH")).status_code == 422
