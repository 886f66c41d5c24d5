"""The judge: fails closed. The rollout must be real (tool calls > 0, tokens > 0, a reward, no
error) and the judge model must pass it. Exit 0 pass, 1 fail, 2 no rollout."""

import json
import os
import sys
import urllib.request
from pathlib import Path


def main() -> int:
    record_file = Path(sys.argv[1] if len(sys.argv) > 1 else "jobs") / "rollout.json"
    if not record_file.is_file():
        print(f"judge: no rollout at {record_file}")
        return 2
    record = json.loads(record_file.read_text())
    real = record["tool_calls"] > 0 and record["tokens"] > 0 and record["reward"] is not None \
        and not record["error"]
    if not real:
        print(f"judge: FAIL, the rollout is not real: {record}")
        return 1
    model = os.environ["JUDGE_MODEL"].split("/", 1)[-1]
    body = {"model": model, "max_tokens": 8, "messages": [
        {"role": "user", "content": f"Answer PASS or FAIL. Rollout: {json.dumps(record)}"}]}
    request = urllib.request.Request(
        os.environ["OPENAI_BASE_URL"].rstrip("/") + "/chat/completions",
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {os.environ['OPENAI_API_KEY']}",
                 "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        verdict = json.load(response)["choices"][0]["message"]["content"].strip().upper()
    print(f"judge: model={model} verdict={verdict}")
    return 0 if verdict.startswith("PASS") or verdict.startswith("OK") else 1


if __name__ == "__main__":
    raise SystemExit(main())
