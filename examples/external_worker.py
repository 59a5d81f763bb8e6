"""A Flowdesk worker for external tasks, standard library only (see README, External tasks).
FLOWDESK_TOKEN: a token of a user with the role worker; --once: stop after the first fetch
that brought work."""
import json
import os
import sys
import time
import urllib.error
import urllib.request

URL = os.environ.get("FLOWDESK_URL", "http://127.0.0.1:5000") + "/api/v1/external-tasks"
ME = {"worker_id": "receipt-worker-1"}


def call(path, body):
    request = urllib.request.Request(URL + path, data=json.dumps(body).encode(), headers={
        "Authorization": f"Bearer {os.environ['FLOWDESK_TOKEN']}",
        "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.load(answer)


def work(task):
    """The work itself: here, write the receipt for the amount charged."""
    return {"receipt": f"收据: ¥{task['variables']['amount']:.2f}"}


def main():
    while True:
        tasks = call("/fetch-and-lock", {**ME, "max_tasks": 5, "topics": [
            {"name": "send_receipt", "lock_duration": 60_000}]})
        for task in tasks:
            try:
                answer = "complete", {**ME, "variables": work(task)}
            except Exception as exc:  # tried again in a minute; no retries left: an incident
                left = 3 if task["retries"] is None else task["retries"] - 1
                answer = "failure", {**ME, "error_message": str(exc), "retries": max(left, 0),
                                     "retry_timeout": 60_000}
            try:
                call(f"/{task['id']}/{answer[0]}", answer[1])
            except urllib.error.HTTPError as exc:  # 409: the lock expired, another has it
                print(exc.code, exc.read().decode(), file=sys.stderr)
        if tasks and "--once" in sys.argv:
            return
        time.sleep(0 if tasks else 2)


if __name__ == "__main__":
    main()
