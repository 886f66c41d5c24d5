"""The smoke rollout: one real call to the provider the integration gate chose.

Reads OPENAI_BASE_URL, OPENAI_API_KEY (exported by the gate) and ROLLOUT_MODEL; writes the
rollout record to <jobs dir>/rollout.json. No key is ever written."""

import json
import os
import sys
import time
import urllib.request
from pathlib import Path


def main() -> int:
    jobs = Path(sys.argv[1] if len(sys.argv) > 1 else "jobs")
    jobs.mkdir(parents=True, exist_ok=True)
    model = os.environ["ROLLOUT_MODEL"].split("/", 1)[-1]
    body = {"model": model, "max_tokens": 32,
            "messages": [{"role": "user", "content": "Parse 'A: hi / B: yo' into turns."}]}
    request = urllib.request.Request(
        os.environ["OPENAI_BASE_URL"].rstrip("/") + "/chat/completions",
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {os.environ['OPENAI_API_KEY']}",
                 "Content-Type": "application/json"},
    )
    started = time.monotonic()
    with urllib.request.urlopen(request, timeout=60) as response:
        answer = json.load(response)
    record = {
        "provider": os.environ.get("LLM_PROVIDER", ""),
        "model": model,
        "tool_calls": 1,
        "tokens": answer.get("usage", {}).get("total_tokens", 0),
        "reward": 1.0 if answer.get("choices") else 0.0,
        "error": None,
        "seconds": round(time.monotonic() - started, 3),
    }
    (jobs / "rollout.json").write_text(json.dumps(record, indent=2))
    print(f"rollout: provider={record['provider']} model={model} tokens={record['tokens']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
