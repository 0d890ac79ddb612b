/// The OpenAPI 3 description of every route, parameter, response and error, served at /openapi.json.
///
/// Kept by hand beside the routes and checked against the running server by
/// scripts/testing/schemathesis.sh (run by `OpenAPIConformanceTests`). Parameter schemas say
/// exactly what the routes accept, so every request the document allows is answered and every
/// request it forbids is refused with 400: keep both sides in step.
enum OpenAPIDocument {
    static let json = #"""
{
  "openapi": "3.0.3",
  "info": {
    "title": "deloton API",
    "version": "1.0.0",
    "description": "Rides, riders and daily figures of deloton's connected exercise bikes. Times are ISO 8601 with the display zone's offset; figures are not rounded; unknown query keys are ignored. Every error has the shape of the Error schema. Lists answer CSV to Accept: text/csv. Every route that answers with riders' personal or health data, and /metrics, needs a credential: an API key (Authorization: Bearer KEY or X-API-Key: KEY; deloton keys create) or the dashboard's session cookie, opened by POST /session with a key or by the one-time link deloton run and deloton serve print. A session only reads. The server's --public-reads (unsafe) opens every read route but /metrics."
  },
  "security": [
    {
      "bearer": []
    },
    {
      "apiKey": []
    },
    {
      "session": []
    }
  ],
  "paths": {
    "/health": {
      "get": {
        "operationId": "health",
        "summary": "whether the warehouse answers",
        "security": [],
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "type": "object",
                  "required": [
                    "status"
                  ],
                  "properties": {
                    "status": {
                      "type": "string",
                      "enum": [
                        "ok"
                      ]
                    }
                  }
                }
              }
            }
          },
          "503": {
            "$ref": "#/components/responses/Unavailable"
          }
        }
      }
    },
    "/ready": {
      "get": {
        "operationId": "ready",
        "summary": "whether this instance can serve the API: the warehouse answers and holds the deloton schema",
        "security": [],
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "type": "object",
                  "required": [
                    "status"
                  ],
                  "properties": {
                    "status": {
                      "type": "string",
                      "enum": [
                        "ready"
                      ]
                    }
                  }
                }
              }
            }
          },
          "503": {
            "$ref": "#/components/responses/Unavailable"
          }
        }
      }
    },
    "/metrics": {
      "get": {
        "operationId": "metrics",
        "summary": "Prometheus text format",
        "security": [
          {
            "bearer": []
          },
          {
            "apiKey": []
          },
          {
            "session": []
          }
        ],
        "responses": {
          "200": {
            "description": "metrics",
            "content": {
              "text/plain": {
                "schema": {
                  "type": "string"
                }
              }
            }
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          }
        }
      }
    },
    "/openapi.json": {
      "get": {
        "operationId": "openapi",
        "summary": "this document",
        "security": [],
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "type": "object"
                }
              }
            }
          }
        }
      }
    },
    "/ride/{id}": {
      "get": {
        "operationId": "getRide",
        "summary": "a ride",
        "security": [
          {
            "bearer": []
          },
          {
            "apiKey": []
          },
          {
            "session": []
          }
        ],
        "parameters": [
          {
            "$ref": "#/components/parameters/RideID"
          },
          {
            "name": "expanded",
            "in": "query",
            "required": false,
            "schema": {
              "type": "boolean",
              "default": false
            },
            "description": "true adds the ride's readings"
          }
        ],
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/ExpandedRide"
                }
              }
            }
          },
          "404": {
            "$ref": "#/components/responses/RideNotFound"
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "503": {
            "$ref": "#/components/responses/Unavailable"
          }
        }
      },
      "delete": {
        "operationId": "deleteRide",
        "summary": "delete a ride, its readings and alert, leaving a tombstone",
        "security": [
          {
            "bearer": []
          },
          {
            "apiKey": []
          }
        ],
        "parameters": [
          {
            "$ref": "#/components/parameters/RideID"
          }
        ],
        "responses": {
          "204": {
            "description": "deleted"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          },
          "404": {
            "$ref": "#/components/responses/RideNotFound"
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "503": {
            "$ref": "#/components/responses/Unavailable"
          }
        }
      }
    },
    "/rides": {
      "get": {
        "operationId": "listRides",
        "summary": "rides, oldest first, a page at a time",
        "security": [
          {
            "bearer": []
          },
          {
            "apiKey": []
          },
          {
            "session": []
          }
        ],
        "parameters": [
          {
            "$ref": "#/components/parameters/Since"
          },
          {
            "$ref": "#/components/parameters/Until"
          },
          {
            "$ref": "#/components/parameters/Rider"
          },
          {
            "$ref": "#/components/parameters/Bike"
          },
          {
            "$ref": "#/components/parameters/Gender"
          },
          {
            "$ref": "#/components/parameters/MinAge"
          },
          {
            "$ref": "#/components/parameters/MaxAge"
          },
          {
            "$ref": "#/components/parameters/Limit"
          },
          {
            "name": "cursor",
            "in": "query",
            "required": false,
            "schema": {
              "type": "string",
              "pattern": "^-?[0-9]{1,18}_[0-9]{1,18}$"
            },
            "description": "from the previous page's next link"
          }
        ],
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/RidePage"
                }
              },
              "text/csv": {
                "schema": {
                  "type": "string"
                }
              }
            },
            "headers": {
              "Link": {
                "description": "<next page>; rel=\"next\" when there is one",
                "schema": {
                  "type": "string"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "503": {
            "$ref": "#/components/responses/Unavailable"
          }
        }
      }
    },
    "/daily": {
      "get": {
        "operationId": "daily",
        "summary": "rides that started on a local day, oldest first",
        "security": [
          {
            "bearer": []
          },
          {
            "apiKey": []
          },
          {
            "session": []
          }
        ],
        "parameters": [
          {
            "$ref": "#/components/parameters/Date"
          }
        ],
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "type": "array",
                  "items": {
                    "$ref": "#/components/schemas/Ride"
                  }
                }
              },
              "text/csv": {
                "schema": {
                  "type": "string"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "503": {
            "$ref": "#/components/responses/Unavailable"
          }
        }
      }
    },
    "/rider/{id}": {
      "get": {
        "operationId": "getRider",
        "summary": "a rider",
        "security": [
          {
            "bearer": []
          },
          {
            "apiKey": []
          },
          {
            "session": []
          }
        ],
        "parameters": [
          {
            "$ref": "#/components/parameters/RiderID"
          }
        ],
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Rider"
                }
              }
            }
          },
          "404": {
            "$ref": "#/components/responses/RiderNotFound"
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "503": {
            "$ref": "#/components/responses/Unavailable"
          }
        }
      },
      "delete": {
        "operationId": "eraseRider",
        "summary": "erase a rider and everything about them, leaving a tombstone",
        "security": [
          {
            "bearer": []
          },
          {
            "apiKey": []
          }
        ],
        "parameters": [
          {
            "$ref": "#/components/parameters/RiderID"
          }
        ],
        "responses": {
          "204": {
            "description": "erased"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          },
          "404": {
            "$ref": "#/components/responses/RiderNotFound"
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "503": {
            "$ref": "#/components/responses/Unavailable"
          }
        }
      }
    },
    "/rider/{id}/rides": {
      "get": {
        "operationId": "riderRides",
        "summary": "a rider's rides, oldest first",
        "security": [
          {
            "bearer": []
          },
          {
            "apiKey": []
          },
          {
            "session": []
          }
        ],
        "parameters": [
          {
            "$ref": "#/components/parameters/RiderID"
          }
        ],
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "type": "array",
                  "items": {
                    "$ref": "#/components/schemas/Ride"
                  }
                }
              },
              "text/csv": {
                "schema": {
                  "type": "string"
                }
              }
            }
          },
          "404": {
            "$ref": "#/components/responses/RiderNotFound"
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "503": {
            "$ref": "#/components/responses/Unavailable"
          }
        }
      }
    },
    "/riders": {
      "get": {
        "operationId": "listRiders",
        "summary": "riders by id, a page at a time; since, until and bike keep riders with such a ride, ages are today's",
        "security": [
          {
            "bearer": []
          },
          {
            "apiKey": []
          },
          {
            "session": []
          }
        ],
        "parameters": [
          {
            "$ref": "#/components/parameters/Since"
          },
          {
            "$ref": "#/components/parameters/Until"
          },
          {
            "$ref": "#/components/parameters/Rider"
          },
          {
            "$ref": "#/components/parameters/Bike"
          },
          {
            "$ref": "#/components/parameters/Gender"
          },
          {
            "$ref": "#/components/parameters/MinAge"
          },
          {
            "$ref": "#/components/parameters/MaxAge"
          },
          {
            "$ref": "#/components/parameters/Limit"
          },
          {
            "name": "cursor",
            "in": "query",
            "required": false,
            "schema": {
              "type": "string",
              "pattern": "^[0-9]{1,18}$"
            },
            "description": "from the previous page's next link"
          }
        ],
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/RiderPage"
                }
              },
              "text/csv": {
                "schema": {
                  "type": "string"
                }
              }
            },
            "headers": {
              "Link": {
                "description": "<next page>; rel=\"next\" when there is one",
                "schema": {
                  "type": "string"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "503": {
            "$ref": "#/components/responses/Unavailable"
          }
        }
      }
    },
    "/stats/daily": {
      "get": {
        "operationId": "dailyStats",
        "summary": "the daily report's figures for a local day",
        "security": [
          {
            "bearer": []
          },
          {
            "apiKey": []
          },
          {
            "session": []
          }
        ],
        "parameters": [
          {
            "$ref": "#/components/parameters/Date"
          }
        ],
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/DailyStats"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "503": {
            "$ref": "#/components/responses/Unavailable"
          }
        }
      }
    },
    "/leaderboard": {
      "get": {
        "operationId": "leaderboard",
        "summary": "riders ranked by energy (kJ), power (W) or duration (s) over the period ending today",
        "security": [
          {
            "bearer": []
          },
          {
            "apiKey": []
          },
          {
            "session": []
          }
        ],
        "parameters": [
          {
            "name": "metric",
            "in": "query",
            "required": false,
            "schema": {
              "type": "string",
              "enum": [
                "energy",
                "power",
                "duration"
              ],
              "default": "energy"
            },
            "description": "what to rank by"
          },
          {
            "name": "period",
            "in": "query",
            "required": false,
            "schema": {
              "type": "string",
              "enum": [
                "day",
                "week",
                "month",
                "year",
                "all"
              ],
              "default": "all"
            },
            "description": "1, 7, 30 or 365 local days ending today, or all time"
          },
          {
            "name": "limit",
            "in": "query",
            "required": false,
            "schema": {
              "type": "integer",
              "minimum": 1,
              "maximum": 100,
              "default": 10
            },
            "description": "entries"
          }
        ],
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Leaderboard"
                }
              },
              "text/csv": {
                "schema": {
                  "type": "string"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "503": {
            "$ref": "#/components/responses/Unavailable"
          }
        }
      }
    },
    "/": {
      "get": {
        "operationId": "dashboard",
        "tags": [
          "dashboard"
        ],
        "summary": "the live dashboard page (HTML; its scripts read /api/live, /api/recent and /events)",
        "security": [],
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "text/html": {
                "schema": {
                  "type": "string"
                }
              }
            }
          },
          "500": {
            "description": "the dashboard's files are missing from this build",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        }
      }
    },
    "/dashboard/{name}": {
      "get": {
        "operationId": "dashboardFile",
        "tags": [
          "dashboard"
        ],
        "summary": "a file of the dashboard (scripts, style, icon)",
        "security": [],
        "parameters": [
          {
            "name": "name",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string"
            },
            "description": "a file name, e.g. app.js"
          }
        ],
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "text/javascript": {
                "schema": {
                  "type": "string"
                }
              },
              "text/css": {
                "schema": {
                  "type": "string"
                }
              },
              "image/svg+xml": {
                "schema": {
                  "type": "string"
                }
              },
              "text/html": {
                "schema": {
                  "type": "string"
                }
              }
            }
          },
          "404": {
            "description": "no such dashboard file",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        }
      }
    },
    "/chart.js": {
      "get": {
        "operationId": "chartJS",
        "tags": [
          "dashboard"
        ],
        "summary": "Chart.js, served from where Debian's libjs-chart.js installs it (--chartjs-path)",
        "security": [],
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "text/javascript": {
                "schema": {
                  "type": "string"
                }
              }
            }
          },
          "404": {
            "description": "Chart.js is not installed at the configured path",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        }
      }
    },
    "/api/live": {
      "get": {
        "operationId": "dashboardLive",
        "tags": [
          "dashboard"
        ],
        "summary": "the bikes riding now, each with its rider, safe heart-rate range and last minutes of readings",
        "security": [
          {
            "bearer": []
          },
          {
            "apiKey": []
          },
          {
            "session": []
          }
        ],
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "type": "object",
                  "required": [
                    "now",
                    "zone",
                    "bikes"
                  ],
                  "properties": {
                    "now": {
                      "type": "string"
                    },
                    "zone": {
                      "type": "string"
                    },
                    "not_in_use_after_s": {
                      "type": "number"
                    },
                    "history_s": {
                      "type": "integer"
                    },
                    "bikes": {
                      "type": "array",
                      "items": {
                        "type": "object"
                      }
                    }
                  }
                }
              }
            }
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          }
        }
      }
    },
    "/api/recent": {
      "get": {
        "operationId": "dashboardRecent",
        "tags": [
          "dashboard"
        ],
        "summary": "the rides of the last hours, one array per ride in the order of `columns`",
        "security": [
          {
            "bearer": []
          },
          {
            "apiKey": []
          },
          {
            "session": []
          }
        ],
        "parameters": [
          {
            "name": "hours",
            "in": "query",
            "required": false,
            "schema": {
              "type": "integer",
              "minimum": 1,
              "maximum": 336,
              "default": 12
            },
            "description": "the window, in hours ending now"
          },
          {
            "name": "gender",
            "in": "query",
            "required": false,
            "schema": {
              "type": "string",
              "maxLength": 100,
              "pattern": "^[^\u0000-\u001f\u007f]*$"
            },
            "description": "gender as given, any case; `all` or empty for everyone"
          },
          {
            "name": "min_age",
            "in": "query",
            "required": false,
            "schema": {
              "type": "integer",
              "minimum": 0,
              "maximum": 150
            },
            "description": "youngest age at the ride's start, in years"
          },
          {
            "name": "max_age",
            "in": "query",
            "required": false,
            "schema": {
              "type": "integer",
              "minimum": 0,
              "maximum": 150
            },
            "description": "oldest age at the ride's start, in years (below min_age: no rides, as on /rides)"
          }
        ],
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "type": "object",
                  "required": [
                    "from",
                    "to",
                    "hours",
                    "zone",
                    "columns",
                    "rides"
                  ],
                  "properties": {
                    "from": {
                      "type": "string"
                    },
                    "to": {
                      "type": "string"
                    },
                    "from_ms": {
                      "type": "integer"
                    },
                    "to_ms": {
                      "type": "integer"
                    },
                    "hours": {
                      "type": "integer"
                    },
                    "zone": {
                      "type": "string"
                    },
                    "columns": {
                      "type": "array",
                      "items": {
                        "type": "string"
                      }
                    },
                    "rides": {
                      "type": "array",
                      "items": {
                        "type": "array"
                      }
                    }
                  }
                }
              }
            }
          },
          "400": {
            "description": "malformed hours, gender or age",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "503": {
            "$ref": "#/components/responses/Unavailable"
          }
        }
      }
    },
    "/events": {
      "get": {
        "operationId": "dashboardEvents",
        "tags": [
          "dashboard"
        ],
        "summary": "Server-Sent Events: a `snapshot` of the live board, then only what changed, every second; the stream stays open",
        "security": [
          {
            "bearer": []
          },
          {
            "apiKey": []
          },
          {
            "session": []
          }
        ],
        "parameters": [
          {
            "name": "once",
            "in": "query",
            "required": false,
            "schema": {
              "type": "string",
              "enum": [
                "1",
                "true"
              ]
            },
            "description": "send the snapshot and end the stream (for headless browsers)"
          }
        ],
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "text/event-stream": {
                "schema": {
                  "type": "string"
                }
              }
            }
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          }
        }
      }
    },
    "/session": {
      "get": {
        "operationId": "sessionStatus",
        "summary": "whether this browser is signed in to the dashboard",
        "security": [],
        "responses": {
          "200": {
            "description": "always, signed in or not; an expired or signed-out cookie is cleared",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/SessionStatus"
                }
              }
            }
          }
        }
      },
      "post": {
        "operationId": "signIn",
        "summary": "open a dashboard session with an API key sent in a header (never a cookie)",
        "description": "Answers with an HttpOnly, SameSite=Strict session cookie (Secure behind HTTPS) that authorises every read route and the live feed until it expires (12 hours by default, --session-hours) or is signed out. A session only reads, whatever the key's scope.",
        "security": [
          {
            "bearer": []
          },
          {
            "apiKey": []
          }
        ],
        "responses": {
          "200": {
            "description": "signed in: the cookie is in Set-Cookie",
            "headers": {
              "Set-Cookie": {
                "schema": {
                  "type": "string"
                },
                "description": "deloton_session=\u2026; HttpOnly; SameSite=Strict"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/SessionStatus"
                }
              }
            }
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "503": {
            "$ref": "#/components/responses/Unavailable"
          }
        }
      },
      "delete": {
        "operationId": "signOut",
        "summary": "sign out: the session stops working on every replica and the cookie is cleared",
        "security": [],
        "responses": {
          "204": {
            "description": "signed out (also when there was no session)"
          },
          "503": {
            "$ref": "#/components/responses/Unavailable"
          }
        }
      }
    },
    "/signin": {
      "get": {
        "operationId": "signInWithLink",
        "summary": "the one-time sign-in link printed by deloton run and deloton serve",
        "security": [],
        "parameters": [
          {
            "name": "token",
            "in": "query",
            "required": false,
            "schema": {
              "type": "string",
              "maxLength": 200
            },
            "description": "the link's one-time token"
          },
          {
            "name": "next",
            "in": "query",
            "required": false,
            "schema": {
              "type": "string",
              "maxLength": 512
            },
            "description": "a path on this server to go to once signed in (default /)"
          }
        ],
        "responses": {
          "303": {
            "description": "signed in: the session cookie is in Set-Cookie and Location is the dashboard",
            "headers": {
              "Location": {
                "schema": {
                  "type": "string"
                }
              },
              "Set-Cookie": {
                "schema": {
                  "type": "string"
                }
              }
            }
          },
          "401": {
            "description": "the link is unknown, used already or expired",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "503": {
            "$ref": "#/components/responses/Unavailable"
          }
        }
      }
    }
  },
  "components": {
    "securitySchemes": {
      "bearer": {
        "type": "http",
        "scheme": "bearer"
      },
      "apiKey": {
        "type": "apiKey",
        "in": "header",
        "name": "X-API-Key"
      },
      "session": {
        "type": "apiKey",
        "in": "cookie",
        "name": "deloton_session",
        "description": "the dashboard's session (read-only), from POST /session or the one-time sign-in link"
      }
    },
    "schemas": {
      "SessionStatus": {
        "type": "object",
        "required": [
          "signed_in"
        ],
        "properties": {
          "signed_in": {
            "type": "boolean"
          },
          "sign_in_needed": {
            "type": "boolean",
            "description": "false when the server runs with --public-reads"
          },
          "expires_at": {
            "type": "string",
            "format": "date-time",
            "nullable": true
          }
        }
      },
      "Ride": {
        "type": "object",
        "required": [
          "id",
          "rider_id",
          "bike_serial",
          "start_time",
          "end_time",
          "in_progress",
          "duration_s",
          "reading_count",
          "avg_heart_rate",
          "min_heart_rate",
          "max_heart_rate",
          "avg_power_w",
          "max_power_w",
          "total_energy_kj",
          "avg_rpm",
          "avg_resistance",
          "alert_sent"
        ],
        "properties": {
          "id": {
            "type": "integer",
            "format": "int64",
            "minimum": 1
          },
          "rider_id": {
            "type": "integer",
            "format": "int64"
          },
          "bike_serial": {
            "type": "string"
          },
          "start_time": {
            "type": "string",
            "format": "date-time"
          },
          "end_time": {
            "type": "string",
            "nullable": true,
            "format": "date-time"
          },
          "in_progress": {
            "type": "boolean"
          },
          "duration_s": {
            "type": "integer",
            "minimum": 0
          },
          "reading_count": {
            "type": "integer",
            "minimum": 0
          },
          "avg_heart_rate": {
            "type": "number",
            "nullable": true
          },
          "min_heart_rate": {
            "type": "integer",
            "nullable": true
          },
          "max_heart_rate": {
            "type": "integer",
            "nullable": true
          },
          "avg_power_w": {
            "type": "number",
            "nullable": true
          },
          "max_power_w": {
            "type": "number",
            "nullable": true
          },
          "total_energy_kj": {
            "type": "number"
          },
          "avg_rpm": {
            "type": "number",
            "nullable": true
          },
          "avg_resistance": {
            "type": "number",
            "nullable": true
          },
          "alert_sent": {
            "type": "boolean"
          }
        }
      },
      "Reading": {
        "type": "object",
        "required": [
          "elapsed_s",
          "time",
          "heart_rate",
          "rpm",
          "power_w",
          "resistance"
        ],
        "properties": {
          "elapsed_s": {
            "type": "integer"
          },
          "time": {
            "type": "string",
            "format": "date-time"
          },
          "heart_rate": {
            "type": "integer"
          },
          "rpm": {
            "type": "integer"
          },
          "power_w": {
            "type": "number"
          },
          "resistance": {
            "type": "integer"
          }
        }
      },
      "ExpandedRide": {
        "allOf": [
          {
            "$ref": "#/components/schemas/Ride"
          },
          {
            "type": "object",
            "properties": {
              "readings": {
                "type": "array",
                "items": {
                  "$ref": "#/components/schemas/Reading"
                }
              }
            }
          }
        ]
      },
      "Rider": {
        "type": "object",
        "required": [
          "id",
          "name",
          "title",
          "first_name",
          "last_name",
          "gender",
          "date_of_birth",
          "age",
          "email",
          "address",
          "height_cm",
          "weight_kg",
          "account_created",
          "original_source",
          "ride_count",
          "avg_heart_rate"
        ],
        "properties": {
          "id": {
            "type": "integer",
            "format": "int64"
          },
          "name": {
            "type": "string"
          },
          "title": {
            "type": "string",
            "nullable": true
          },
          "first_name": {
            "type": "string"
          },
          "last_name": {
            "type": "string"
          },
          "gender": {
            "type": "string"
          },
          "date_of_birth": {
            "type": "string",
            "format": "date"
          },
          "age": {
            "type": "integer"
          },
          "email": {
            "type": "string"
          },
          "address": {
            "type": "object",
            "required": [
              "lines",
              "city",
              "postcode",
              "postcode_valid"
            ],
            "properties": {
              "lines": {
                "type": "array",
                "items": {
                  "type": "string"
                }
              },
              "city": {
                "type": "string"
              },
              "postcode": {
                "type": "string"
              },
              "postcode_valid": {
                "type": "boolean"
              }
            }
          },
          "height_cm": {
            "type": "integer"
          },
          "weight_kg": {
            "type": "integer"
          },
          "account_created": {
            "type": "string",
            "format": "date"
          },
          "original_source": {
            "type": "string"
          },
          "ride_count": {
            "type": "integer",
            "minimum": 0
          },
          "avg_heart_rate": {
            "type": "number",
            "nullable": true
          }
        }
      },
      "Error": {
        "type": "object",
        "required": [
          "error",
          "message"
        ],
        "properties": {
          "error": {
            "type": "object",
            "required": [
              "code",
              "type"
            ],
            "properties": {
              "code": {
                "type": "integer"
              },
              "type": {
                "type": "string",
                "enum": [
                  "bad_request",
                  "unauthorized",
                  "forbidden",
                  "not_found",
                  "method_not_allowed",
                  "unavailable",
                  "internal"
                ]
              }
            }
          },
          "message": {
            "type": "string"
          }
        }
      },
      "DailyFigures": {
        "type": "object",
        "required": [
          "ride_count",
          "rider_count",
          "riders_by_gender",
          "riders_by_age_group",
          "avg_heart_rate",
          "avg_power_w",
          "total_energy_kj",
          "longest_ride_s",
          "max_power_w",
          "alert_count"
        ],
        "properties": {
          "ride_count": {
            "type": "number"
          },
          "rider_count": {
            "type": "number"
          },
          "riders_by_gender": {
            "type": "object",
            "additionalProperties": {
              "type": "number"
            }
          },
          "riders_by_age_group": {
            "type": "object",
            "additionalProperties": {
              "type": "number"
            },
            "required": [
              "<25",
              "25-34",
              "35-44",
              "45-54",
              "55-64",
              "65+"
            ]
          },
          "avg_heart_rate": {
            "type": "number",
            "nullable": true
          },
          "avg_power_w": {
            "type": "number",
            "nullable": true
          },
          "total_energy_kj": {
            "type": "number"
          },
          "longest_ride_s": {
            "type": "number",
            "nullable": true
          },
          "max_power_w": {
            "type": "number",
            "nullable": true
          },
          "alert_count": {
            "type": "number"
          }
        }
      },
      "DailyStats": {
        "allOf": [
          {
            "$ref": "#/components/schemas/DailyFigures"
          },
          {
            "type": "object",
            "required": [
              "date",
              "previous_day",
              "previous_7_days"
            ],
            "properties": {
              "date": {
                "type": "string",
                "format": "date"
              },
              "previous_day": {
                "$ref": "#/components/schemas/DailyFigures"
              },
              "previous_7_days": {
                "$ref": "#/components/schemas/DailyFigures"
              }
            }
          }
        ]
      },
      "Leaderboard": {
        "type": "object",
        "required": [
          "metric",
          "unit",
          "period",
          "since",
          "until",
          "entries"
        ],
        "properties": {
          "metric": {
            "type": "string",
            "enum": [
              "energy",
              "power",
              "duration"
            ]
          },
          "unit": {
            "type": "string"
          },
          "period": {
            "type": "string",
            "enum": [
              "day",
              "week",
              "month",
              "year",
              "all"
            ]
          },
          "since": {
            "type": "string",
            "nullable": true,
            "format": "date-time"
          },
          "until": {
            "type": "string",
            "nullable": true,
            "format": "date-time"
          },
          "entries": {
            "type": "array",
            "items": {
              "type": "object",
              "required": [
                "rank",
                "rider_id",
                "name",
                "value",
                "ride_count"
              ],
              "properties": {
                "rank": {
                  "type": "integer",
                  "minimum": 1
                },
                "rider_id": {
                  "type": "integer",
                  "format": "int64"
                },
                "name": {
                  "type": "string"
                },
                "value": {
                  "type": "number"
                },
                "ride_count": {
                  "type": "integer",
                  "minimum": 1
                }
              }
            }
          }
        }
      },
      "RidePage": {
        "type": "object",
        "required": [
          "rides",
          "next"
        ],
        "properties": {
          "rides": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/Ride"
            }
          },
          "next": {
            "type": "string",
            "nullable": true,
            "description": "path and query of the next page; null on the last"
          }
        }
      },
      "RiderPage": {
        "type": "object",
        "required": [
          "riders",
          "next"
        ],
        "properties": {
          "riders": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/Rider"
            }
          },
          "next": {
            "type": "string",
            "nullable": true,
            "description": "path and query of the next page; null on the last"
          }
        }
      }
    },
    "parameters": {
      "RideID": {
        "name": "id",
        "in": "path",
        "required": true,
        "schema": {
          "type": "integer",
          "format": "int64",
          "minimum": 1,
          "maximum": 9223372036854775807
        },
        "description": "the ride's id"
      },
      "Since": {
        "name": "since",
        "in": "query",
        "required": false,
        "schema": {
          "anyOf": [
            {
              "type": "string",
              "pattern": "^(?:(?:[1-9][0-9]{3}|0[1-9][0-9]{2}|00[1-9][0-9]|000[1-9])-(?:0[1-9]|1[0-2])-(?:0[1-9]|1[0-9]|2[0-8])|(?:[1-9][0-9]{3}|0[1-9][0-9]{2}|00[1-9][0-9]|000[1-9])-(?:0[13-9]|1[0-2])-(?:29|30)|(?:[1-9][0-9]{3}|0[1-9][0-9]{2}|00[1-9][0-9]|000[1-9])-(?:0[13578]|1[02])-31|(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:0[48]|[2468][048]|[13579][26])00)-02-29)$"
            },
            {
              "type": "string",
              "format": "date-time"
            }
          ]
        },
        "description": "rides that started at or after: a day YYYY-MM-DD (its start, display zone) or an ISO 8601 date-time"
      },
      "Until": {
        "name": "until",
        "in": "query",
        "required": false,
        "schema": {
          "anyOf": [
            {
              "type": "string",
              "pattern": "^(?:(?:[1-9][0-9]{3}|0[1-9][0-9]{2}|00[1-9][0-9]|000[1-9])-(?:0[1-9]|1[0-2])-(?:0[1-9]|1[0-9]|2[0-8])|(?:[1-9][0-9]{3}|0[1-9][0-9]{2}|00[1-9][0-9]|000[1-9])-(?:0[13-9]|1[0-2])-(?:29|30)|(?:[1-9][0-9]{3}|0[1-9][0-9]{2}|00[1-9][0-9]|000[1-9])-(?:0[13578]|1[02])-31|(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:0[48]|[2468][048]|[13579][26])00)-02-29)$"
            },
            {
              "type": "string",
              "format": "date-time"
            }
          ]
        },
        "description": "rides that started before: a day YYYY-MM-DD (its end, display zone, so the day is included) or an ISO 8601 date-time"
      },
      "Rider": {
        "name": "rider",
        "in": "query",
        "required": false,
        "schema": {
          "type": "integer",
          "format": "int64",
          "minimum": 1,
          "maximum": 9223372036854775807
        },
        "description": "one rider's id"
      },
      "Bike": {
        "name": "bike",
        "in": "query",
        "required": false,
        "schema": {
          "type": "string",
          "maxLength": 100,
          "pattern": "^[^\u0000-\u001f\u007f]*$"
        },
        "description": "a bike serial, e.g. SN0000"
      },
      "Gender": {
        "name": "gender",
        "in": "query",
        "required": false,
        "schema": {
          "type": "string",
          "maxLength": 100,
          "pattern": "^[^\u0000-\u001f\u007f]*$"
        },
        "description": "gender as given, any case"
      },
      "MinAge": {
        "name": "min_age",
        "in": "query",
        "required": false,
        "schema": {
          "type": "integer",
          "minimum": 0,
          "maximum": 200
        },
        "description": "whole years, inclusive"
      },
      "MaxAge": {
        "name": "max_age",
        "in": "query",
        "required": false,
        "schema": {
          "type": "integer",
          "minimum": 0,
          "maximum": 200
        },
        "description": "whole years, inclusive"
      },
      "Limit": {
        "name": "limit",
        "in": "query",
        "required": false,
        "schema": {
          "type": "integer",
          "minimum": 1,
          "maximum": 1000,
          "default": 100
        },
        "description": "items per page"
      },
      "Date": {
        "name": "date",
        "in": "query",
        "required": false,
        "schema": {
          "anyOf": [
            {
              "type": "string",
              "pattern": "^(?:(?:0[1-9]|1[0-9]|2[0-8])-(?:0[1-9]|1[0-2])-(?:[1-9][0-9]{3}|0[1-9][0-9]{2}|00[1-9][0-9]|000[1-9])|(?:29|30)-(?:0[13-9]|1[0-2])-(?:[1-9][0-9]{3}|0[1-9][0-9]{2}|00[1-9][0-9]|000[1-9])|31-(?:0[13578]|1[02])-(?:[1-9][0-9]{3}|0[1-9][0-9]{2}|00[1-9][0-9]|000[1-9])|29-02-(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:0[48]|[2468][048]|[13579][26])00))$"
            },
            {
              "type": "string",
              "pattern": "^(?:(?:[1-9][0-9]{3}|0[1-9][0-9]{2}|00[1-9][0-9]|000[1-9])-(?:0[1-9]|1[0-2])-(?:0[1-9]|1[0-9]|2[0-8])|(?:[1-9][0-9]{3}|0[1-9][0-9]{2}|00[1-9][0-9]|000[1-9])-(?:0[13-9]|1[0-2])-(?:29|30)|(?:[1-9][0-9]{3}|0[1-9][0-9]{2}|00[1-9][0-9]|000[1-9])-(?:0[13578]|1[02])-31|(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:0[48]|[2468][048]|[13579][26])00)-02-29)$"
            }
          ]
        },
        "description": "DD-MM-YYYY or YYYY-MM-DD; default today in the display zone"
      },
      "RiderID": {
        "name": "id",
        "in": "path",
        "required": true,
        "schema": {
          "type": "integer",
          "format": "int64",
          "minimum": 1,
          "maximum": 9223372036854775807
        },
        "description": "the rider's id"
      }
    },
    "responses": {
      "Unavailable": {
        "description": "the warehouse does not answer",
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/Error"
            }
          }
        }
      },
      "Unauthorized": {
        "description": "no valid credential: send an API key (Authorization: Bearer KEY or X-API-Key: KEY) or sign in on the dashboard; reads need one unless the server runs with --public-reads",
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/Error"
            }
          }
        }
      },
      "RideNotFound": {
        "description": "no such ride",
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/Error"
            }
          }
        }
      },
      "BadRequest": {
        "description": "malformed id, date, number or cursor",
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/Error"
            }
          }
        }
      },
      "Forbidden": {
        "description": "the key has read scope only, or the credential is a dashboard session, which only reads",
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/Error"
            }
          }
        }
      },
      "RiderNotFound": {
        "description": "no such rider",
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/Error"
            }
          }
        }
      }
    }
  }
}
"""#
}
