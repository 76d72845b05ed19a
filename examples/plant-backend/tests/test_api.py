import httpx
import pytest


@pytest.mark.asyncio
async def test_skills_create_list_get(client: httpx.AsyncClient) -> None:
    created = await client.post("/api/skills/", json={"name": "welding", "category": "fabrication"})
    assert created.status_code == 201, created.text
    skill = created.json()
    assert skill["name"] == "welding" and isinstance(skill["id"], int)

    listed = await client.get("/api/skills/")
    assert listed.status_code == 200
    assert [s["name"] for s in listed.json()] == ["welding"]

    fetched = await client.get(f"/api/skills/{skill['id']}")
    assert fetched.status_code == 200 and fetched.json() == skill
    assert (await client.get("/api/skills/999999")).status_code == 404


@pytest.mark.asyncio
async def test_duplicate_skill_is_400(client: httpx.AsyncClient) -> None:
    body = {"name": "pruning", "category": "horticulture"}
    assert (await client.post("/api/skills/", json=body)).status_code == 201
    again = await client.post("/api/skills/", json=body)
    assert again.status_code == 400
    assert again.json() == {"detail": "skill already exists"}


@pytest.mark.asyncio
async def test_agents_create_list_get(client: httpx.AsyncClient) -> None:
    skill = (await client.post("/api/skills/", json={"name": "grafting", "category": "horticulture"})).json()
    created = await client.post("/api/agents/", json={"name": "Ada", "email": "ada@example.org", "skill_id": skill["id"]})
    assert created.status_code == 201, created.text
    agent = created.json()
    assert agent["skill_id"] == skill["id"]

    listed = await client.get("/api/agents/")
    assert listed.status_code == 200 and listed.json() == [agent]
    assert (await client.get(f"/api/agents/{agent['id']}")).json() == agent
    assert (await client.get("/api/agents/999999")).status_code == 404


@pytest.mark.asyncio
async def test_agent_integrity_errors_are_400(client: httpx.AsyncClient) -> None:
    body = {"name": "Grace", "email": "grace@example.org"}
    assert (await client.post("/api/agents/", json=body)).status_code == 201
    duplicate = await client.post("/api/agents/", json=body)
    assert duplicate.status_code == 400
    unknown_skill = await client.post("/api/agents/", json={"name": "Linus", "email": "linus@example.org", "skill_id": 424242})
    assert unknown_skill.status_code == 400
    # The failed requests rolled back: the first agent is still the only one.
    assert [a["email"] for a in (await client.get("/api/agents/")).json()] == ["grace@example.org"]
