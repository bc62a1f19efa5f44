"""Hostile JSON bodies on every write operation of the API (issue #14, finding 7).

A body nested a few thousand levels deep used to end in a RecursionError inside the JSON parser, i.e. HTTP 500, on
camera ingest, the OpenALPR webhook, disclosure requests and corrections. The API now has one JSON parser
(``apps.common.api.parsers.PortalJSONParser``) that refuses such a body with 400 before it decodes it.

The operations are not listed here: they are discovered from the OpenAPI schema, so a new POST/PUT/PATCH endpoint is
covered the day it appears, and fails this test with its name if nothing seeded here can reach it.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from rest_framework.parsers import JSONParser
from rest_framework.test import APIClient

from apps.accounts.roles import Role
from apps.audit.choices import Purpose
from apps.common.api.parsers import JSON_MAX_DEPTH, JSON_TOO_DEEP, JSON_UNSTORABLE_TEXT, PortalJSONParser
from apps.common.unstorable import TEXT_HAS_NUL, TEXT_HAS_SURROGATE
from apps.disclosures.services.submission import disclosure_request_submit
from apps.hotlists.choices import HotListSource
from apps.hotlists.models import Hit
from apps.hotlists.services.hit_matching import hits_match_reads
from apps.hotlists.services.list_imports import hot_list_import_apply, hot_list_import_preview
from apps.hotlists.services.lists import hot_list_create
from apps.reads.choices import CameraKind
from apps.reads.models import ReadCorrection
from apps.reads.services.cameras import camera_create
from apps.reads.services.ingest import read_batch_ingest
from apps.reads.services.tokens import camera_token_issue
from tests.agreements.helpers import active_agreement
from tests.factories import AgencyFactory, DeployingAgencyFactory

pytestmark = pytest.mark.django_db

WRITE_METHODS = ("post", "put", "patch")
TOO_DEEP_MESSAGE = JSON_TOO_DEEP.format(limit=JSON_MAX_DEPTH)


def _deep(levels: int) -> str:
    return "[" * levels + "]" * levels


@pytest.fixture
def world(make_user):
    """One of everything a write operation can name in its path, and people of every role who may reach them."""
    agency = DeployingAgencyFactory()
    partner_agency = AgencyFactory(name="Los Alamitos Police Department", ori="CA0194400")
    people = {role: make_user(role, agency=agency) for role in (
        Role.SYSADMIN, Role.SUPERVISOR, Role.INVESTIGATOR, Role.OPERATOR, Role.CUSTODIAN)}
    people[Role.PARTNER_REQUESTER] = make_user(Role.PARTNER_REQUESTER, agency=partner_agency)
    camera = camera_create(actor=None, name="Unit 12", kind=CameraKind.MOBILE, agency=agency,
                           commissioned_at=timezone.now() - timedelta(days=365), latitude=33.77, longitude=-117.92,
                           assigned_officer=people[Role.OPERATOR])
    _credential, camera_token = camera_token_issue(actor=None, camera=camera)
    manager = people[Role.SUPERVISOR]
    hot_list = hot_list_create(actor=manager, name="Stolen", source=HotListSource.OWN, agency=None, owner=manager,
                               default_entry_days=None)
    expires = (timezone.localdate() + timedelta(days=30)).isoformat()
    csv_text = ("plate,state,reason,priority,case_number,expires,why\n"
                f"7ABC123,CA,stolen vehicle,2,26-004411,{expires},Stolen from a dealership\n")
    staged = hot_list_import_preview(actor=manager, hot_list=hot_list, content=csv_text.encode())
    hot_list_import_apply(actor=manager, hot_list_import=staged)
    result = read_batch_ingest(camera=camera, items=[{
        "read_id": "seed-1", "plate": "7ABC123", "captured_at": (timezone.now() - timedelta(minutes=2)).isoformat()}])
    read_id = result.results[0].id
    hits_match_reads(read_ids=[read_id])
    active_agreement(actor=people[Role.SYSADMIN], agency=partner_agency)
    now = timezone.now()
    disclosure = disclosure_request_submit(
        actor=people[Role.PARTNER_REQUESTER], requesting_person_name="Pat Morgan",
        purpose=Purpose.PROSECUTION_OR_EXONERATION, case_number="LA-2026-0142",
        legal_basis="Penal Code § 459 investigation.", time_from=now - timedelta(days=10), time_to=now,
        plates=["7ABC123"], immigration_related=False, requester_attested=True)
    from apps.shifts.services import unit_sign_on

    sign_on = unit_sign_on(actor=people[Role.OPERATOR], camera=camera, affixed=True, undamaged=True)
    # The path segment before {id} names the object; a new kind of object fails the test with the path.
    ids = {"cameras": camera.pk, "requests": disclosure.pk, "hits": Hit.objects.get().pk, "reads": read_id,
           "hotlists": hot_list.pk, "sign-ons": sign_on.pk}
    return {"people": people, "camera_token": camera_token, "ids": ids}


def _write_operations() -> list[tuple[str, str, dict]]:
    from drf_spectacular.generators import SchemaGenerator

    document = SchemaGenerator().get_schema(request=None, public=True)
    return [(method, path, operation) for path, operations in document["paths"].items()
            for method, operation in operations.items() if method in WRITE_METHODS]


def _concrete(path: str, ids: dict[str, int]) -> str:
    def fill(match):
        segment = path[:match.start()].rstrip("/").rsplit("/", 1)[-1]
        assert segment in ids, f"{path}: seed an object for the “{segment}” in this path (test_bad_json.world)"
        return str(ids[segment])

    return re.sub(r"\{[^}]+\}", fill, path)


def _clients(operation: dict, world) -> list[tuple[str, APIClient]]:
    schemes = {name for requirement in operation.get("security", []) for name in requirement}
    clients = []
    if "cameraToken" in schemes:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Camera {world['camera_token']}")
        clients.append(("camera", client))
    if schemes - {"cameraToken"}:
        for role, person in world["people"].items():
            client = APIClient()
            client.force_authenticate(person)
            clients.append((role, client))
    return clients


@pytest.mark.parametrize("levels", [2_000, 100_000])
def test_every_write_operation_refuses_a_deeply_nested_body_with_a_400(world, levels):
    body = _deep(levels)
    operations = _write_operations()
    assert {path for _method, path, _operation in operations} >= {
        "/api/v1/ingest/reads/", "/api/v1/ingest/openalpr/", "/api/v1/disclosures/requests/",
        "/api/v1/reads/{id}/corrections/"}
    unreached = []
    for method, path, operation in operations:
        url = _concrete(path, world["ids"])
        takes_json = "application/json" in operation.get("requestBody", {}).get("content", {})
        reached = False
        for who, client in _clients(operation, world):
            response = getattr(client, method)(url, data=body, content_type="application/json")
            assert response.status_code < 500, f"{method.upper()} {path} as {who}: {response.status_code}"
            if response.status_code in (401, 403, 404):
                continue  # this person may not use the operation: the body was never read
            reached = True
            if takes_json:
                assert response.status_code == 400, f"{method.upper()} {path} as {who}: {response.content[:300]}"
                assert response.json() == {"error": {"code": "json_too_deep", "message": TOO_DEEP_MESSAGE}}, path
            else:
                assert response.status_code == 415, f"{method.upper()} {path} as {who}: {response.content[:300]}"
            break
        if not reached:
            unreached.append(f"{method.upper()} {path}")
    assert not unreached, f"no seeded person or camera reaches these operations: {unreached}"


def _strings_with(text: str, schema: dict, components: dict, depth: int = 0):
    """A request body for ``schema`` whose every string is ``text`` (e.g. with a NUL character, which PostgreSQL
    refuses in text)."""
    if "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[-1]]
    for combined in ("allOf", "oneOf", "anyOf"):
        if schema.get(combined):
            return _strings_with(text, schema[combined][0], components, depth + 1)
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        if depth > 4:
            return {}
        return {name: _strings_with(text, sub, components, depth + 1)
                for name, sub in schema.get("properties", {}).items() if not sub.get("readOnly")}
    if kind == "array":
        return [_strings_with(text, schema.get("items", {}), components, depth + 1)]
    if kind == "string":
        return text
    return None


HOSTILE_BODIES = {
    "not UTF-8": (b'{"note": "\xff\xfe"}', "json_not_utf8"),
    "NaN": (b'{"latitude": NaN}', "parse_error"),
    "a list where an object belongs": (b'[{"a": 1}, [2]]', None),
    "a 1 MB string": (b'{"plate": "' + b"7" * 1_000_000 + b'", "note": "' + b"x" * 1_000_000 + b'"}', None),
}


UNSTORABLE_STRINGS = {"NUL in every string": "x\x00y", "an unpaired surrogate in every string": "x\ud83dy"}


@pytest.mark.parametrize("name", [*HOSTILE_BODIES, *UNSTORABLE_STRINGS])
def test_every_write_operation_answers_hostile_bodies_without_a_server_error(world, name):
    from drf_spectacular.generators import SchemaGenerator

    components = SchemaGenerator().get_schema(request=None, public=True)["components"]["schemas"]
    for method, path, operation in _write_operations():
        content = operation.get("requestBody", {}).get("content", {})
        if "application/json" not in content:
            continue  # refused by media type before any parsing (the deep-body test shows the 415)
        if name in UNSTORABLE_STRINGS:
            schema = content["application/json"]["schema"]
            body, code = json.dumps(_strings_with(UNSTORABLE_STRINGS[name], schema, components)), None
        else:
            body, code = HOSTILE_BODIES[name]
        url = _concrete(path, world["ids"])
        for who, client in _clients(operation, world):
            response = getattr(client, method)(url, data=body, content_type="application/json")
            assert response.status_code < 500, f"{method.upper()} {path} as {who}: {response.status_code}"
            if response.status_code in (401, 403, 404):
                continue
            if code:
                assert response.status_code == 400, f"{method.upper()} {path} as {who}"
                assert response.json()["error"]["code"] == code, f"{method.upper()} {path} as {who}"
            elif response.status_code >= 400:
                assert "error" in response.json(), f"{method.upper()} {path} as {who}: {response.content[:300]}"
            break


def test_the_named_endpoints_of_the_finding_refuse_a_deep_object(world):
    """The four routes of the report, with a body shaped like theirs (an object whose field nests)."""
    camera = APIClient()
    camera.credentials(HTTP_AUTHORIZATION=f"Camera {world['camera_token']}")
    investigator = APIClient()
    investigator.force_authenticate(world["people"][Role.INVESTIGATOR])
    partner = APIClient()
    partner.force_authenticate(world["people"][Role.PARTNER_REQUESTER])
    nested = '{"a":' * 1_000 + "1" + "}" * 1_000
    for client, url, field in [
        (camera, "/api/v1/ingest/reads/", "reads"),
        (camera, "/api/v1/ingest/openalpr/", "best_plate"),
        (partner, "/api/v1/disclosures/requests/", "plates"),
        (investigator, f"/api/v1/reads/{world['ids']['reads']}/corrections/", "plate"),
    ]:
        response = client.post(url, data=f'{{"{field}": {nested}}}', content_type="application/json")
        assert response.status_code == 400, (url, response.status_code)
        assert response.json()["error"] == {"code": "json_too_deep", "message": TOO_DEEP_MESSAGE}


def test_a_body_at_the_limit_is_parsed_and_brackets_inside_strings_do_not_count(world):
    camera = APIClient()
    camera.credentials(HTTP_AUTHORIZATION=f"Camera {world['camera_token']}")
    captured_at = (timezone.now() - timedelta(minutes=1)).isoformat()

    def body(metadata_depth: int) -> str:
        # {"reads": [{…, "metadata": {…}}]}: three levels before the metadata's own nesting.
        metadata = '{"a":' * metadata_depth + '"[[[{{{\\"[[[["' + "}" * metadata_depth
        read = f'"read_id": "edge-{metadata_depth}", "plate": "7EDG001", "captured_at": "{captured_at}"'
        return '{"reads": [{' + read + ', "metadata": ' + metadata + "}]}"

    response = camera.post("/api/v1/ingest/reads/", data=body(JSON_MAX_DEPTH - 3), content_type="application/json")
    assert response.status_code == 200, response.content[:300]
    assert response.json()["results"][0]["status"] == "stored"
    response = camera.post("/api/v1/ingest/reads/", data=body(JSON_MAX_DEPTH - 2), content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"] == {"code": "json_too_deep", "message": TOO_DEEP_MESSAGE}


def test_every_api_view_parses_json_with_the_portal_parser():
    """A view that declares its own ``parser_classes`` with DRF's plain JSONParser would reopen finding 7."""
    offenders = []

    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                view = getattr(pattern.callback, "cls", None) or getattr(pattern.callback, "view_class", None)
                for parser in getattr(view, "parser_classes", []) or []:
                    if issubclass(parser, JSONParser) and not issubclass(parser, PortalJSONParser):
                        offenders.append(f"{prefix}{pattern.pattern} ({view.__name__})")

    walk(get_resolver().url_patterns)
    assert not offenders


def _nested(levels: int, inner: str = "1") -> str:
    return '{"a": [' * (levels // 2) + inner + "]}" * (levels // 2)


@pytest.mark.parametrize(("body", "too_deep"), [
    (_nested(64), False),
    (_nested(66), True),
    ("[" * 65 + "]" * 65, True),
    ("[" * 65, True),  # unbalanced: still refused before decoding
    ('["' + "[" * 500 + '"]', False),  # brackets inside a string
    ('["\\"' + "[" * 500 + '"]', False),  # …after an escaped quote (the path with backslashes)
    ('["\\\\"' + ", [" * 100 + "]" * 100 + "]", True),  # an escaped backslash ends the string: the brackets count
    ('["\\u00e9", "' + "{" * 100 + '"]', False),
    ('"' + "[" * 100, False),  # an unterminated string swallows the rest (invalid JSON, refused by the decoder)
    ('"\\' + "[" * 100, False),
    ('{"a": "b"}' * 100, False),  # many brackets, never deep
    (_nested(40, '"' + "]" * 80 + '"'), False),
])
def test_the_depth_scan(body, too_deep):
    from apps.common.api.parsers import json_depth_exceeds

    assert json_depth_exceeds(body) is too_deep
    assert json_depth_exceeds(body.encode()) is too_deep


@pytest.mark.parametrize(("body", "too_deep"), [
    (_nested(64), False), (_nested(66), True), ("[" * 65 + "]" * 65, True), ("[" * 64 + "]" * 64, False),
    ('["' + "[" * 500 + '"]', False), ('{"a": "b", "c": [1, {"d": []}]}', False), ("7", False), ('"["', False),
    ('[{"reads": ' + _nested(40) + ', "x": ' + _nested(64) + "}]", True),  # the deepest branch counts, not the first
    ('[{"reads": ' + _nested(62) + ', "x": ' + _nested(40) + "}]", False),
])
def test_the_walk_of_a_decoded_body_agrees_with_the_scan(body, too_deep):
    """A body that decodes is checked on its decoded value (issue #19: cheaper than scanning an 11 MB batch): the
    same answer as the byte scan, which still decides for every body the decoder refuses."""
    from apps.common.api.parsers import json_depth_exceeds, value_depth_exceeds

    assert value_depth_exceeds(json.loads(body)) is too_deep
    assert json_depth_exceeds(body) is too_deep


def test_the_depth_scan_does_not_let_closing_brackets_in_strings_hide_a_deep_body():
    from apps.common.api.parsers import json_depth_exceeds

    body = '[" ]]]]] ", ' * 200 + "1" + "]" * 200
    assert json_depth_exceeds(body)
    assert json_depth_exceeds(body.replace(" ]]]]] ", " \\\\ ]]] \\\" ]]"))


@pytest.mark.parametrize(("body", "error"), [
    ({"note": "x\ud83d"}, {"code": "surrogate_character", "message": JSON_UNSTORABLE_TEXT.format(
        problem=TEXT_HAS_SURROGATE.format(field="note", code=0xD83D))}),
    ({"note": {"list": ["ok", "a\x00"]}}, {"code": "nul_character", "message": JSON_UNSTORABLE_TEXT.format(
        problem=TEXT_HAS_NUL.format(field="note.list[1]"))}),
    ({"a\udc00": 1}, {"code": "surrogate_character", "message": JSON_UNSTORABLE_TEXT.format(
        problem=TEXT_HAS_SURROGATE.format(field="a key", code=0xDC00))}),
])
def test_every_write_operation_refuses_text_the_database_cannot_store_with_a_400_naming_it(world, body, error):
    """The security test of 2026-12: an unpaired UTF-16 surrogate ("\\ud83d", legal as a JSON escape) or a NUL reached
    PostgreSQL and was a 500. The API's one JSON parser refuses such a body before any view sees it; camera ingest
    refuses it per read instead (tests/reads/test_bad_input.py), so that one bad read never costs the others."""
    data = json.dumps(body)
    unreached = []
    for method, path, operation in _write_operations():
        if "application/json" not in operation.get("requestBody", {}).get("content", {}):
            continue
        if path.startswith("/api/v1/ingest/"):
            continue
        url = _concrete(path, world["ids"])
        for who, client in _clients(operation, world):
            response = getattr(client, method)(url, data=data, content_type="application/json")
            assert response.status_code < 500, f"{method.upper()} {path} as {who}: {response.status_code}"
            if response.status_code in (401, 403, 404):
                continue
            assert response.status_code == 400, f"{method.upper()} {path} as {who}: {response.content[:300]}"
            assert response.json() == {"error": error}, f"{method.upper()} {path} as {who}"
            break
        else:
            unreached.append(f"{method.upper()} {path}")
    assert not unreached, f"no seeded person reaches these operations: {unreached}"


# A correction is logged under a purpose and case number (R-AUD-1a): the bodies below carry them.
CORRECTION_CONTEXT = '"purpose": "investigative_leads", "case_number": "24-001234"'


def _correction_answers(world, body: str) -> list[int]:
    """The status codes of posting ``body`` as a correction, person after person, until one may correct (201)."""
    answers = []
    for person in world["people"].values():
        client = APIClient()
        client.force_authenticate(person)
        response = client.post(f"/api/v1/reads/{world['ids']['reads']}/corrections/", data=body,
                               content_type="application/json")
        answers.append(response.status_code)
        if response.status_code == 201:
            break
    return answers


def test_a_surrogate_pair_sent_as_two_escapes_is_one_character_and_is_accepted(world):
    """Only a half character is refused: an emoji escaped as its two halves ("\\ud83d\\ude00") is text."""
    body = ('{"corrected_plate": "7ABC124", "reason": "The camera misread it \\ud83d\\ude00", '
            + CORRECTION_CONTEXT + "}")
    answers = _correction_answers(world, body)
    assert answers[-1] == 201, answers
    assert ReadCorrection.objects.get().reason == "The camera misread it \N{GRINNING FACE}"


def test_a_disclosure_request_with_a_half_character_is_refused_logged_and_not_stored(world, caplog):
    from apps.disclosures.models import DisclosureRequest

    partner = APIClient()
    partner.force_authenticate(world["people"][Role.PARTNER_REQUESTER])
    before = DisclosureRequest.objects.count()
    now = timezone.now()
    body = {"requesting_person_name": "Pat Morgan", "purpose": Purpose.PROSECUTION_OR_EXONERATION,
            "case_number": "LA-2026-0143", "legal_basis": "Penal Code § 459 \ud83d", "plates": ["7ABC123"],
            "time_from": (now - timedelta(days=5)).isoformat(), "time_to": now.isoformat(),
            "immigration_related": False, "requester_attested": True}
    with caplog.at_level("WARNING", logger="alprportal.api"):
        response = partner.post("/api/v1/disclosures/requests/", data=json.dumps(body),
                                content_type="application/json")
    assert response.status_code == 400, response.content[:300]
    problem = TEXT_HAS_SURROGATE.format(field="legal_basis", code=0xD83D)
    assert response.json()["error"] == {"code": "surrogate_character",
                                        "message": JSON_UNSTORABLE_TEXT.format(problem=problem)}
    assert DisclosureRequest.objects.count() == before
    assert any(problem in record.getMessage() and "/api/v1/disclosures/requests/" in record.getMessage()
               for record in caplog.records)


# --- Body size (security test of 2026-12: a 30 MB JSON body was read and decoded before any view refused it) --------

API_LIMIT = 1024 * 1024


def _over(limit: int) -> str:
    return json.dumps({"note": "x" * limit})


def test_a_json_body_over_the_api_limit_is_a_413_before_it_is_read_or_parsed(world, monkeypatch):
    from apps.common.api.exceptions import BODY_TOO_LARGE

    def never(*_args, **_kwargs):
        raise AssertionError("the body was parsed")

    monkeypatch.setattr(PortalJSONParser, "parse", never)
    supervisor = APIClient()
    supervisor.force_authenticate(world["people"][Role.SUPERVISOR])
    response = supervisor.post("/api/v1/justifications/reviews/", data=_over(30 * API_LIMIT),
                               content_type="application/json")
    assert response.status_code == 413, response.content[:300]
    assert response.json() == {"error": {"code": "body_too_large", "message": BODY_TOO_LARGE.format(limit=API_LIMIT)}}


def test_every_write_operation_refuses_a_body_over_the_api_limit_and_ingest_keeps_its_own(world, settings):
    from apps.common.api.exceptions import BODY_TOO_LARGE

    settings.PORTAL = {**settings.PORTAL, "API_MAX_BODY_BYTES": 20_000}
    error = {"error": {"code": "body_too_large", "message": BODY_TOO_LARGE.format(limit=20_000)}}
    unreached = []
    for method, path, operation in _write_operations():
        content = operation.get("requestBody", {}).get("content", {})
        if path.startswith("/api/v1/ingest/") or not {"application/json", "application/x-www-form-urlencoded"} & set(
                content):
            continue
        url = _concrete(path, world["ids"])
        for who, client in _clients(operation, world):
            if "application/json" in content:
                response = getattr(client, method)(url, data=_over(20_000), content_type="application/json")
            else:
                response = getattr(client, method)(url, data="note=" + "x" * 20_000,
                                                   content_type="application/x-www-form-urlencoded")
            assert response.status_code < 500, f"{method.upper()} {path} as {who}: {response.status_code}"
            if response.status_code in (401, 403, 404):
                continue
            assert response.status_code == 413, f"{method.upper()} {path} as {who}: {response.content[:300]}"
            assert response.json() == error, f"{method.upper()} {path} as {who}"
            break
        else:
            unreached.append(f"{method.upper()} {path}")
    assert not unreached, f"no seeded person reaches these operations: {unreached}"
    # Camera ingest is not bound by it: a batch with images is megabytes (its limit is DATA_UPLOAD_MAX_MEMORY_SIZE).
    camera = APIClient()
    camera.credentials(HTTP_AUTHORIZATION=f"Camera {world['camera_token']}")
    read = {"read_id": "big-1", "plate": "7BIG001", "captured_at": (timezone.now() - timedelta(minutes=1)).isoformat(),
            "metadata": {"note": "x" * 3_000}}
    response = camera.post("/api/v1/ingest/reads/", data=json.dumps({"reads": [read] * 10}),
                           content_type="application/json")
    assert response.status_code == 200, response.content[:300]
    assert response.json()["stored"] == 1 and response.json()["duplicates"] == 9


def test_a_body_at_the_api_limit_is_read(world, settings):
    settings.PORTAL = {**settings.PORTAL, "API_MAX_BODY_BYTES": 20_000}
    body = '{"corrected_plate": "7ABC124", "reason": "misread", ' + CORRECTION_CONTEXT + "}"
    body = body[:-1] + ', "pad": "' + "x" * (20_000 - len(body) - 11) + '"}'
    assert len(body.encode()) == 20_000
    answers = _correction_answers(world, body)
    assert answers[-1] == 201, answers


def test_a_hot_list_feed_over_its_file_limit_is_a_413_before_it_is_read(world, monkeypatch):
    from apps.common.api.exceptions import BODY_TOO_LARGE
    from apps.hotlists import imports

    monkeypatch.setattr(imports, "MAX_FILE_BYTES", 50_000)
    supervisor = APIClient()
    supervisor.force_authenticate(world["people"][Role.SUPERVISOR])
    body = "plate,reason\n" + "7ABC123,stolen\n" * 4_000
    response = supervisor.post(f"/api/v1/hotlists/{world['ids']['hotlists']}/feed/", data=body,
                               content_type="text/csv")
    assert response.status_code == 413, response.content[:300]
    assert response.json() == {"error": {"code": "body_too_large", "message": BODY_TOO_LARGE.format(limit=50_000)}}
