//! The OpenAPI 3.1 document of `/api/v1`, built from the same tables the handlers validate with
//! (act names and fields, roles, presets), served at `/api/v1/openapi.json` and rendered at
//! `/api/v1/docs`.

use kehu_core::act;
use kehu_core::model::Role;
use kehu_core::policy::Preset;
use serde_json::{json, Map, Value};

/// Every operation: method, path, summary, request body schema, query parameters.
pub struct Op {
    pub method: &'static str,
    pub path: &'static str,
    pub summary: &'static str,
    pub body: Option<fn() -> Value>,
    pub query: &'static [(&'static str, &'static str, bool)],
    pub public: bool,
}

const PAGE: &[(&str, &str, bool)] = &[("page", "integer", false), ("per_page", "integer", false)];

fn obj(props: &[(&str, Value)], required: &[&str]) -> Value {
    let mut p = Map::new();
    for (k, v) in props {
        p.insert(k.to_string(), v.clone());
    }
    json!({ "type": "object", "properties": p, "required": required, "additionalProperties": false })
}

fn s(max: usize) -> Value {
    json!({ "type": "string", "maxLength": max })
}

fn login_s() -> Value {
    json!({ "type": "string", "pattern": "^[A-Za-z0-9_.-]{1,32}$" })
}

fn roles() -> Vec<&'static str> {
    Role::NAMES.split(", ").collect()
}

fn setup_body() -> Value {
    obj(
        &[
            ("token", s(64)),
            ("login", login_s()),
            ("name", s(64)),
            ("password", s(128)),
        ],
        &["token", "login", "name", "password"],
    )
}

fn login_body() -> Value {
    obj(
        &[("login", login_s()), ("password", s(1024))],
        &["login", "password"],
    )
}

fn password_body() -> Value {
    obj(&[("old", s(1024)), ("new", s(128))], &["old", "new"])
}

fn user_body() -> Value {
    obj(
        &[
            ("login", login_s()),
            ("name", s(64)),
            ("role", json!({ "type": "string", "enum": roles() })),
            ("password", s(128)),
            ("team", s(64)),
            ("agency", s(64)),
            ("region", s(64)),
        ],
        &["login", "name", "role", "password"],
    )
}

fn token_body() -> Value {
    obj(&[("name", s(64))], &["name"])
}

fn project_body() -> Value {
    let presets: Vec<&str> = Preset::ALL.iter().map(|p| p.name()).collect();
    obj(
        &[
            (
                "name",
                json!({ "type": "string", "pattern": "^[a-z0-9_-]{1,64}$" }),
            ),
            (
                "title",
                json!({ "type": "string", "maxLength": 40, "description": "display name, e.g. 翡翠湾 (the name when absent)" }),
            ),
            ("rulebook", json!({ "type": "string", "enum": presets })),
            (
                "overrides",
                json!({ "type": "object", "description": "documented policy keys (kehu policy show)" }),
            ),
        ],
        &["name", "rulebook"],
    )
}

/// One schema per act: the fields of SCENARIOS.md, `act` fixed.
fn act_body() -> Value {
    let variants: Vec<Value> = act::NAMES
        .iter()
        .filter(|a| !act::SYSTEM.contains(a))
        .map(|&a| {
            let mut props = vec![("act", json!({ "const": a }))];
            for f in act::fields(a).unwrap_or_default() {
                props.push((
                    f,
                    json!({ "description": "as in a scenario step (SCENARIOS.md)" }),
                ));
            }
            obj(&props, &["act"])
        })
        .collect();
    json!({ "oneOf": variants })
}

fn roster_body() -> Value {
    obj(
        &[(
            "logins",
            json!({ "type": "array", "maxItems": 500, "items": { "type": "string", "maxLength": 64 } }),
        )],
        &["logins"],
    )
}

fn calendar_body() -> Value {
    let days = json!({ "type": "array", "maxItems": 400, "items": { "type": "string", "format": "date" } });
    obj(&[("holidays", days.clone()), ("workdays", days)], &[])
}

fn text_body() -> Value {
    obj(&[("text", s(500))], &["text"])
}

fn approval_body() -> Value {
    obj(
        &[("project", s(64)), ("phone", s(20)), ("reason", s(200))],
        &["project", "phone", "reason"],
    )
}

pub const OPS: &[Op] = &[
    Op {
        method: "get",
        path: "/healthz",
        summary: "Health check",
        body: None,
        query: &[],
        public: true,
    },
    Op {
        method: "get",
        path: "/metrics",
        summary: "Operations figures in the Prometheus text format (admin and VP)",
        body: None,
        query: &[],
        public: false,
    },
    Op {
        method: "post",
        path: "/api/v1/setup",
        summary: "Create the first admin with the one-time setup token",
        body: Some(setup_body),
        query: &[],
        public: true,
    },
    Op {
        method: "post",
        path: "/api/v1/session",
        summary: "Sign in (sets the session cookie)",
        body: Some(login_body),
        query: &[],
        public: true,
    },
    Op {
        method: "delete",
        path: "/api/v1/session",
        summary: "Sign out",
        body: None,
        query: &[],
        public: false,
    },
    Op {
        method: "post",
        path: "/api/v1/session/everywhere",
        summary: "Sign out everywhere",
        body: None,
        query: &[],
        public: false,
    },
    Op {
        method: "get",
        path: "/api/v1/me",
        summary: "The signed-in account",
        body: None,
        query: &[],
        public: false,
    },
    Op {
        method: "post",
        path: "/api/v1/password",
        summary: "Change the password",
        body: Some(password_body),
        query: &[],
        public: false,
    },
    Op {
        method: "get",
        path: "/api/v1/users",
        summary: "People (managers, admins)",
        body: None,
        query: PAGE,
        public: false,
    },
    Op {
        method: "post",
        path: "/api/v1/users",
        summary: "Add a person (admin)",
        body: Some(user_body),
        query: &[],
        public: false,
    },
    Op {
        method: "post",
        path: "/api/v1/users/{login}/leave",
        summary: "A person leaves: access ends at once (SEC-LEAVE; their own manager and above)",
        body: None,
        query: &[],
        public: false,
    },
    Op {
        method: "post",
        path: "/api/v1/users/{login}/restore",
        summary: "Restore an account wrongly marked as left (their own manager and above)",
        body: None,
        query: &[],
        public: false,
    },
    Op {
        method: "post",
        path: "/api/v1/users/{login}/password-link",
        summary: "A one-time link with which the person sets a password (admin; valid three days)",
        body: None,
        query: &[],
        public: false,
    },
    Op {
        method: "get",
        path: "/api/v1/tokens",
        summary: "My API tokens",
        body: None,
        query: PAGE,
        public: false,
    },
    Op {
        method: "post",
        path: "/api/v1/tokens",
        summary: "New API token (shown once)",
        body: Some(token_body),
        query: &[],
        public: false,
    },
    Op {
        method: "delete",
        path: "/api/v1/tokens/{id}",
        summary: "Revoke an API token",
        body: None,
        query: &[],
        public: false,
    },
    Op {
        method: "get",
        path: "/api/v1/projects",
        summary: "Projects and their rulebooks",
        body: None,
        query: PAGE,
        public: false,
    },
    Op {
        method: "post",
        path: "/api/v1/projects",
        summary: "New project with a rulebook (VP, admin)",
        body: Some(project_body),
        query: &[],
        public: false,
    },
    Op {
        method: "post",
        path: "/api/v1/projects/{project}/acts",
        summary: "An act of the rulebook; answers the verdict as the caller may see it",
        body: Some(act_body),
        query: &[],
        public: false,
    },
    Op {
        method: "put",
        path: "/api/v1/projects/{project}/roster",
        summary: "The project's roster (排班): who takes its walk-ins, in order; empty for every salesperson (managers)",
        body: Some(roster_body),
        query: &[],
        public: false,
    },
    Op {
        method: "put",
        path: "/api/v1/projects/{project}/calendar",
        summary: "The project's work calendar (工作日): holidays and make-up working days (调休) added to its policy's (VP, admin)",
        body: Some(calendar_body),
        query: &[],
        public: false,
    },
    Op {
        method: "post",
        path: "/api/v1/projects/{project}/registrations/text",
        summary: "A registration as sent by SMS/QQ/WeChat (CS-LEAD, CL-PRE)",
        body: Some(text_body),
        query: &[],
        public: false,
    },
    Op {
        method: "get",
        path: "/api/v1/projects/{project}/customers",
        summary: "Collision check by full or masked phone",
        body: None,
        query: &[("phone", "string", true)],
        public: false,
    },
    Op {
        method: "get",
        path: "/api/v1/projects/{project}",
        summary: "A project's effective rulebook: each parameter, its value and the rules it governs",
        body: None,
        query: &[],
        public: false,
    },
    Op {
        method: "get",
        path: "/api/v1/teams",
        summary: "Teams (departments) with their member counts (not for agents)",
        body: None,
        query: PAGE,
        public: false,
    },
    Op {
        method: "get",
        path: "/api/v1/agencies",
        summary: "Agencies with their agent counts (not for agents)",
        body: None,
        query: PAGE,
        public: false,
    },
    Op {
        method: "get",
        path: "/api/v1/projects/{project}/customers/by-name",
        summary: "Customers by name within the caller's scope, phones masked (limited, logged)",
        body: None,
        query: &[("name", "string", true)],
        public: false,
    },
    Op {
        method: "get",
        path: "/api/v1/projects/{project}/customers/mine",
        summary: "The caller's customers (an agent: its agency's), with their protection",
        body: None,
        query: PAGE,
        public: false,
    },
    Op {
        method: "get",
        path: "/api/v1/projects/{project}/rotation",
        summary: "The reception rotation board: order, presence, turns, who is next (not for agents)",
        body: None,
        query: &[],
        public: false,
    },
    Op {
        method: "get",
        path: "/api/v1/projects/{project}/disputes",
        summary: "Disputes by answer deadline (managers; a department manager's own team's)",
        body: None,
        query: &[("closed", "boolean", false), ("page", "integer", false), ("per_page", "integer", false)],
        public: false,
    },
    Op {
        method: "get",
        path: "/api/v1/projects/{project}/violations",
        summary: "Violation entries (the VP and admin all, a department manager their team's, others their own)",
        body: None,
        query: PAGE,
        public: false,
    },
    Op {
        method: "get",
        path: "/api/v1/projects/{project}/export.csv",
        summary: "The project's customer records as CSV, watermarked (export permission, logged)",
        body: None,
        query: &[],
        public: false,
    },
    Op {
        method: "get",
        path: "/api/v1/projects/{project}/timeline",
        summary: "A customer's timeline (scope or approval; masked unless unmasked=true, logged)",
        body: None,
        query: &[("phone", "string", true), ("unmasked", "boolean", false)],
        public: false,
    },
    Op {
        method: "get",
        path: "/api/v1/approvals",
        summary: "Archive access requests",
        body: None,
        query: PAGE,
        public: false,
    },
    Op {
        method: "post",
        path: "/api/v1/approvals",
        summary: "Request to read an archive outside one's scope (SEC-APPROVE)",
        body: Some(approval_body),
        query: &[],
        public: false,
    },
    Op {
        method: "post",
        path: "/api/v1/approvals/{id}/approve",
        summary: "Sign a request (department manager, then VP)",
        body: None,
        query: &[],
        public: false,
    },
    Op {
        method: "post",
        path: "/api/v1/approvals/{id}/reject",
        summary: "Reject a request",
        body: None,
        query: &[],
        public: false,
    },
];

fn error_response(d: &str) -> Value {
    json!({ "description": d, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } })
}

/// The document.
pub fn document() -> Value {
    let mut paths = Map::new();
    for op in OPS {
        let mut params: Vec<Value> = op
            .path
            .split('/')
            .filter_map(|seg| seg.strip_prefix('{').and_then(|x| x.strip_suffix('}')))
            .map(|name| json!({ "name": name, "in": "path", "required": true, "schema": { "type": "string" } }))
            .collect();
        for (name, ty, required) in op.query {
            params.push(json!({ "name": name, "in": "query", "required": required, "schema": { "type": ty } }));
        }
        let mut o = json!({
            "summary": op.summary,
            "operationId": format!("{}{}", op.method, op.path.replace(['/', '{', '}', '-'], "_")),
            "parameters": params,
            "responses": {
                "200": { "description": "done", "content": { "application/json": {} } },
                "201": { "description": "created", "content": { "application/json": {} } },
                "204": { "description": "done, nothing to say" },
                "401": error_response("sign in first"),
                "403": error_response("not allowed for this role or scope"),
                "404": error_response("no such thing"),
                "409": error_response("conflicts with what exists"),
                "413": error_response("body too large"),
                "422": error_response("invalid input, with the field"),
                "429": error_response("too many failed sign-ins"),
            },
        });
        if op.path == "/healthz" {
            o["responses"]["200"] = json!({ "description": "ok", "content": { "text/plain": {} } });
        }
        if op.path.ends_with(".csv") {
            o["responses"]["200"] =
                json!({ "description": "the CSV file", "content": { "text/csv": {} } });
        }
        if op.path == "/metrics" {
            o["responses"]["200"] =
                json!({ "description": "the figures", "content": { "text/plain": {} } });
        }
        if let Some(body) = op.body {
            o["requestBody"] = json!({ "required": true, "content": { "application/json": { "schema": body() } } });
        }
        if op.public {
            o["security"] = json!([]);
        }
        paths
            .entry(op.path.to_string())
            .or_insert_with(|| json!({}))
            .as_object_mut()
            .map(|m| m.insert(op.method.to_string(), o));
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "kehu (客户) API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "One source of truth for a sales organisation's customer policy. Errors are {error, message, field}; messages are Chinese first, English in brackets.",
        },
        "paths": paths,
        "security": [{ "cookie": [] }, { "bearer": [] }],
        "components": {
            "securitySchemes": {
                "cookie": { "type": "apiKey", "in": "cookie", "name": "kehu_session" },
                "bearer": { "type": "http", "scheme": "bearer" },
            },
            "schemas": {
                "Error": {
                    "type": "object",
                    "properties": {
                        "error": { "type": "string" },
                        "message": { "type": "string" },
                        "field": { "type": "string" },
                    },
                    "required": ["error", "message"],
                },
            },
        },
    })
}

/// A page that renders the document: every operation with its parameters and body schema.
pub fn docs_page() -> String {
    let doc = document();
    let mut rows = String::new();
    for op in OPS {
        let body = op
            .body
            .map(|b| serde_json::to_string_pretty(&b()).unwrap_or_default())
            .unwrap_or_default();
        let query: Vec<String> = op
            .query
            .iter()
            .map(|(n, t, r)| format!("{n}: {t}{}", if *r { " (required)" } else { "" }))
            .collect();
        rows.push_str(&format!(
            "<section><h2><code>{} {}</code></h2><p>{}</p>{}{}</section>\n",
            op.method.to_uppercase(),
            esc(op.path),
            esc(op.summary),
            if query.is_empty() {
                String::new()
            } else {
                format!("<p>query: <code>{}</code></p>", esc(&query.join(", ")))
            },
            if body.is_empty() {
                String::new()
            } else {
                format!(
                    "<details><summary>请求体 (body)</summary><pre>{}</pre></details>",
                    esc(&body)
                )
            },
        ));
    }
    format!(
        "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>kehu API</title><style>body{{font-family:sans-serif;max-width:60rem;margin:auto;padding:1rem}}pre{{overflow:auto;background:#f4f4f4;padding:.5rem}}</style></head>\
         <body><main><h1>kehu API <small>{}</small></h1><p>机器可读文档 (machine-readable): <a href=\"/api/v1/openapi.json\">/api/v1/openapi.json</a></p>{rows}</main></body></html>",
        esc(doc["info"]["version"].as_str().unwrap_or(""))
    )
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
