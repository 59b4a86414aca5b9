"""Baseline client for the Rebyte tasks API, written with the Python standard library only.

This module is a *measuring stick*, not a product. It behaves the way the service's
reference Python client behaves, so that `cargo xtask bench` can compare the Rust client
against what users run today:

* every call opens a new HTTP connection (``urllib.request.urlopen``, no keep-alive pool);
* the key travels in the ``API_KEY`` header; bodies are JSON in and out;
* an upload asks ``POST /v1/files`` for a signed URL, then reads the whole file into memory
  and sends it with one ``PUT`` (no streaming);
* waiting polls ``GET /v1/tasks/{id}`` at a fixed interval until a terminal status;
* fan-out runs a ``ThreadPoolExecutor`` of 10 workers.

There are no retries, as in the reference client. Errors raise :class:`APIError`.
"""

from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Iterable, Optional

DEFAULT_BASE_URL = "https://api.rebyte.ai/v1"
TERMINAL_STATUSES = frozenset({"completed", "succeeded", "failed", "canceled", "cancelled"})
POOL_WORKERS = 10


class APIError(Exception):
    """An HTTP error answer from the API (or a transport failure when ``status`` is None)."""

    def __init__(self, message: str, status: Optional[int] = None, body: str = ""):
        super().__init__(f"HTTP {status}: {message}" if status is not None else message)
        self.status = status
        self.message = message
        self.body = body


class RebyteClient:
    """A minimal client: one method per endpoint, one new connection per call."""

    def __init__(
        self,
        api_key: Optional[str] = None,
        base_url: Optional[str] = None,
        timeout: float = 60.0,
    ) -> None:
        self.api_key = api_key or os.environ.get("REBYTE_API_KEY", "")
        if not self.api_key:
            raise ValueError("no API key: set REBYTE_API_KEY (keys come from app.rebyte.ai)")
        self.base_url = (base_url or os.environ.get("REBYTE_BASE_URL") or DEFAULT_BASE_URL).rstrip("/")
        self.timeout = timeout

    def __repr__(self) -> str:  # never show the key
        return f"RebyteClient(base_url={self.base_url!r})"

    # -- transport -----------------------------------------------------------------------

    def _request(self, method: str, path: str, body: Optional[dict] = None) -> Any:
        data = None
        headers = {"API_KEY": self.api_key, "Accept": "application/json"}
        if body is not None:
            data = json.dumps(body).encode("utf-8")
            headers["Content-Type"] = "application/json"
        req = urllib.request.Request(self.base_url + path, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                raw = resp.read()
        except urllib.error.HTTPError as err:
            text = err.read().decode("utf-8", "replace")
            message = text
            try:
                message = json.loads(text)["error"]["message"]
            except (ValueError, KeyError, TypeError):
                pass
            raise APIError(message, err.code, text) from None
        except urllib.error.URLError as err:
            raise APIError(f"transport error: {err.reason}") from None
        if not raw:
            return None
        return json.loads(raw)

    # -- endpoints -----------------------------------------------------------------------

    def create_task(
        self,
        prompt: str,
        executor: Optional[str] = None,
        model: Optional[str] = None,
        skills: Optional[list] = None,
        files: Optional[list] = None,
        github_url: Optional[str] = None,
        branch_name: Optional[str] = None,
        workspace_id: Optional[str] = None,
    ) -> dict:
        """POST /v1/tasks; blocks until the VM is provisioned. Returns the created task."""
        body: dict = {"prompt": prompt}
        optional = {
            "executor": executor,
            "model": model,
            "skills": skills,
            "files": files,
            "githubUrl": github_url,
            "branchName": branch_name,
            "workspaceId": workspace_id,
        }
        body.update({k: v for k, v in optional.items() if v is not None})
        return self._request("POST", "/tasks", body)

    def get_task(self, task_id: str) -> dict:
        """GET /v1/tasks/{id}."""
        return self._request("GET", f"/tasks/{task_id}")

    def list_tasks(self, limit: int = 50, offset: int = 0) -> dict:
        """GET /v1/tasks?limit=&offset= (one page)."""
        return self._request("GET", f"/tasks?limit={limit}&offset={offset}")

    def send_prompt(self, task_id: str, prompt: str, skills: Optional[list] = None) -> dict:
        """POST /v1/tasks/{id}/prompts: a follow-up prompt."""
        body: dict = {"prompt": prompt}
        if skills:
            body["skills"] = skills
        return self._request("POST", f"/tasks/{task_id}/prompts", body)

    def set_visibility(self, task_id: str, visibility: str) -> dict:
        """PATCH /v1/tasks/{id}/visibility."""
        return self._request("PATCH", f"/tasks/{task_id}/visibility", {"visibility": visibility})

    def delete_task(self, task_id: str) -> None:
        """DELETE /v1/tasks/{id} (soft delete, 204)."""
        self._request("DELETE", f"/tasks/{task_id}")

    def upload_file(self, path: str, content_type: str = "application/octet-stream") -> dict:
        """POST /v1/files, then PUT the bytes to the signed URL. Reads the file whole."""
        meta = self._request(
            "POST",
            "/files",
            {"filename": os.path.basename(path), "contentType": content_type},
        )
        with open(path, "rb") as f:
            data = f.read()  # the whole file in memory, as the reference client does
        req = urllib.request.Request(
            meta["uploadUrl"], data=data, headers={"Content-Type": content_type}, method="PUT"
        )
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                resp.read()
        except urllib.error.HTTPError as err:
            raise APIError("upload failed", err.code, err.read().decode("utf-8", "replace")) from None
        except urllib.error.URLError as err:
            raise APIError(f"transport error: {err.reason}") from None
        return {"id": meta["id"], "filename": meta["filename"]}

    # -- flows ---------------------------------------------------------------------------

    def wait_for_task(self, task_id: str, timeout: float = 600.0, interval: float = 3.0) -> dict:
        """Poll GET /v1/tasks/{id} every ``interval`` seconds until a terminal status."""
        deadline = time.monotonic() + timeout
        while True:
            task = self.get_task(task_id)
            if str(task.get("status", "")).lower() in TERMINAL_STATUSES:
                return task
            if time.monotonic() >= deadline:
                raise TimeoutError(f"task {task_id} still {task.get('status')!r} after {timeout}s")
            time.sleep(interval)

    def run_many(
        self,
        prompts: Iterable[str],
        interval: float = 3.0,
        timeout: float = 600.0,
        workers: int = POOL_WORKERS,
    ) -> list:
        """Create and wait for every prompt with a pool of ``workers`` threads.

        Returns one dict per prompt, in order: the final task, or ``{"error": str}``.
        """

        def one(prompt: str) -> dict:
            try:
                task = self.create_task(prompt)
                return self.wait_for_task(task["id"], timeout=timeout, interval=interval)
            except (APIError, TimeoutError, ValueError) as err:
                return {"error": str(err)}

        with ThreadPoolExecutor(max_workers=workers) as pool:
            return list(pool.map(one, prompts))


def timed(n: int, call: Callable[[], Any]) -> float:
    """Run ``call`` ``n`` times and return the elapsed wall time in seconds."""
    start = time.perf_counter()
    for _ in range(n):
        call()
    return time.perf_counter() - start
