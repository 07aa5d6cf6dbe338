"""A scripted upstream for running real coding agents (Codex, Claude Code) through copilot-api
by hand: an OpenAI-compatible server that serves `fake-chat` on chat completions only and
`fake-responses` on the Responses API only (base URLs `/chat/v1` and `/responses/v1`), and
`fake-messages` on Anthropic's Messages API (base URL `/anthropic`, thinking blocks included). Asked with a shell-like tool, it calls it once with
`echo hello-from-tool`; given the tool's output, it answers "The command printed: <output>".

    python3 tests/real-clients/fake_upstream.py 8766     # then see tests/real-clients/run.sh
"""

import json
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SHELL_NAMES = ("shell", "exec_command", "local_shell", "Bash", "shell_command")
COMMAND = "echo hello-from-tool"


def shell_arguments(name, parameters):
    props = (parameters or {}).get("properties", {})
    if "cmd" in props:
        return {"cmd": COMMAND}
    command = props.get("command", {})
    if command.get("type") == "array" or name == "local_shell":
        return {"command": ["bash", "-lc", COMMAND]}
    args = {"command": COMMAND}
    if "description" in props:
        args["description"] = "Print a greeting"
    return args


def pick_tool(tools):
    for tool in tools or []:
        fn = tool.get("function", tool)
        name = fn.get("name") or tool.get("type")
        if name in SHELL_NAMES:
            return name, shell_arguments(name, fn.get("parameters"))
    return None


def text_of(content):
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(p.get("text", "") if isinstance(p, dict) else str(p) for p in content)
    return ""


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        sys.stderr.write("fake: " + fmt % args + "\n")

    def send_json(self, body, status=200):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def send_events(self, events):
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("transfer-encoding", "chunked")
        self.end_headers()
        for name, data in events:
            frame = (f"event: {name}\n" if name else "") + f"data: {data if isinstance(data, str) else json.dumps(data)}\n\n"
            raw = frame.encode()
            self.wfile.write(f"{len(raw):x}\r\n".encode() + raw + b"\r\n")
            self.wfile.flush()
            time.sleep(0.01)
        self.wfile.write(b"0\r\n\r\n")

    def do_GET(self):
        if self.path.rstrip("/").endswith("/models"):
            # Under /chat/… only the chat model, under /responses/… only the Responses one.
            ids = ["fake-chat"] if self.path.startswith("/chat/") else ["fake-responses"]
            self.send_json({"object": "list", "data": [{"id": i, "object": "model", "owned_by": "fake"} for i in ids]})
        else:
            self.send_json({"error": {"message": "not found"}}, 404)

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))) or b"{}")
        sys.stderr.write("fake: request " + json.dumps(body)[:400] + "\n")
        if self.path.endswith("/v1/messages"):
            self.serve_messages(body)
        elif self.path.endswith("/chat/completions"):
            self.serve_chat(body)
        elif self.path.endswith("/responses"):
            self.serve_responses(body)
        else:
            self.send_json({"error": {"message": "not found"}}, 404)

    def serve_chat(self, body):
        messages = body.get("messages", [])
        results = [m for m in messages if m.get("role") == "tool"]
        tool = pick_tool(body.get("tools"))
        usage = {"prompt_tokens": 50, "completion_tokens": 10, "total_tokens": 60}
        if results or not tool:
            text = "The command printed: " + text_of(results[-1].get("content")).strip() if results else "No shell tool was offered."
            message, finish = {"role": "assistant", "content": text}, "stop"
        else:
            name, args = tool
            message = {"role": "assistant", "content": None, "tool_calls": [
                {"id": "call_fake1", "type": "function", "function": {"name": name, "arguments": json.dumps(args)}}]}
            finish = "tool_calls"
        if not body.get("stream"):
            self.send_json({"id": "chatcmpl-fake", "object": "chat.completion", "created": int(time.time()),
                            "model": body.get("model"), "choices": [{"index": 0, "message": message, "finish_reason": finish,
                                                                  "logprobs": None}], "usage": usage})
            return
        chunk = lambda delta, fin=None: {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": int(time.time()),
                                         "model": body.get("model"), "choices": [{"index": 0, "delta": delta, "finish_reason": fin}]}
        events = [(None, chunk({"role": "assistant", "content": ""}))]
        if message.get("content"):
            for word in message["content"].split(" "):
                events.append((None, chunk({"content": word + " "})))
        else:
            call = message["tool_calls"][0]
            events.append((None, chunk({"tool_calls": [{"index": 0, "id": call["id"], "type": "function",
                                                        "function": {"name": call["function"]["name"], "arguments": ""}}]})))
            events.append((None, chunk({"tool_calls": [{"index": 0, "function": {"arguments": call["function"]["arguments"]}}]})))
        events.append((None, chunk({}, finish)))
        events.append((None, {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": int(time.time()),
                              "model": body.get("model"), "choices": [], "usage": usage}))
        events.append((None, "[DONE]"))
        self.send_events(events)

    def serve_responses(self, body):
        items = body.get("input", [])
        items = items if isinstance(items, list) else [{"type": "message", "role": "user", "content": items}]
        outputs = [i for i in items if i.get("type") == "function_call_output"]
        tool = pick_tool(body.get("tools"))
        if outputs or not tool:
            text = "The command printed: " + text_of(outputs[-1].get("output")).strip() if outputs else "No shell tool was offered."
            item = {"type": "message", "id": "msg_fake", "role": "assistant", "status": "completed",
                    "content": [{"type": "output_text", "text": text, "annotations": []}]}
        else:
            name, args = tool
            item = {"type": "function_call", "id": "fc_fake", "call_id": "call_fake2", "name": name,
                    "arguments": json.dumps(args), "status": "completed"}
        reasoning = {"type": "reasoning", "id": "rs_fake", "summary": [{"type": "summary_text", "text": "Use the shell."}],
                     "encrypted_content": "ZmFrZQ=="}
        response = {"id": "resp_fake", "object": "response", "created_at": int(time.time()), "status": "completed",
                    "model": body.get("model"), "output": [reasoning, item],
                    "usage": {"input_tokens": 50, "input_tokens_details": {"cached_tokens": 0},
                              "output_tokens": 10, "output_tokens_details": {"reasoning_tokens": 4}, "total_tokens": 60}}
        if not body.get("stream"):
            self.send_json(response)
            return
        seq = iter(range(1000))
        ev = lambda kind, **kw: (kind, {"type": kind, "sequence_number": next(seq), **kw})
        events = [ev("response.created", response={**response, "status": "in_progress", "output": []}),
                  ev("response.output_item.added", output_index=0, item={**reasoning, "summary": []}),
                  ev("response.reasoning_summary_part.added", output_index=0, summary_index=0, item_id="rs_fake",
                     part={"type": "summary_text", "text": ""}),
                  ev("response.reasoning_summary_text.delta", output_index=0, summary_index=0, item_id="rs_fake",
                     delta="Use the shell."),
                  ev("response.output_item.done", output_index=0, item=reasoning)]
        if item["type"] == "message":
            text = item["content"][0]["text"]
            events.append(ev("response.output_item.added", output_index=1, item={**item, "content": [], "status": "in_progress"}))
            for word in text.split(" "):
                events.append(ev("response.output_text.delta", output_index=1, content_index=0, item_id="msg_fake", delta=word + " "))
            events.append(ev("response.output_item.done", output_index=1, item=item))
        else:
            events.append(ev("response.output_item.added", output_index=1, item={**item, "arguments": "", "status": "in_progress"}))
            events.append(ev("response.function_call_arguments.delta", output_index=1, item_id="fc_fake", delta=item["arguments"]))
            events.append(ev("response.output_item.done", output_index=1, item=item))
        events.append(ev("response.completed", response=response))
        self.send_events(events)

    def serve_messages(self, body):
        results = [b for m in body.get("messages", []) if m.get("role") == "user" and isinstance(m.get("content"), list)
                   for b in m["content"] if b.get("type") == "tool_result"]
        tools = [{"function": {"name": t.get("name"), "parameters": t.get("input_schema")}} for t in body.get("tools") or []]
        tool = pick_tool(tools)
        thinking = {"type": "thinking", "thinking": "Use the shell.", "signature": "ZmFrZS1zaWc="}
        if results or not tool:
            text = "The command printed: " + text_of(results[-1].get("content")).strip() if results else "No shell tool was offered."
            block, stop = {"type": "text", "text": text}, "end_turn"
        else:
            name, args = tool
            block, stop = {"type": "tool_use", "id": "toolu_fake", "name": name, "input": args}, "tool_use"
        content = [thinking, block] if body.get("thinking", {}).get("type") == "enabled" else [block]
        usage = {"input_tokens": 50, "output_tokens": 10}
        message = {"id": "msg_fake", "type": "message", "role": "assistant", "model": body.get("model"),
                   "content": content, "stop_reason": stop, "stop_sequence": None, "usage": usage}
        if not body.get("stream"):
            self.send_json(message)
            return
        events = [("message_start", {"type": "message_start", "message": {**message, "content": [], "stop_reason": None,
                                                                             "usage": {"input_tokens": 50, "output_tokens": 1}}})]
        for index, b in enumerate(content):
            if b["type"] == "thinking":
                start, deltas = {**b, "thinking": "", "signature": ""}, [{"type": "thinking_delta", "thinking": b["thinking"]},
                                                                          {"type": "signature_delta", "signature": b["signature"]}]
            elif b["type"] == "text":
                start, deltas = {**b, "text": ""}, [{"type": "text_delta", "text": w + " "} for w in b["text"].split(" ")]
            else:
                start, deltas = {**b, "input": {}}, [{"type": "input_json_delta", "partial_json": json.dumps(b["input"])}]
            events.append(("content_block_start", {"type": "content_block_start", "index": index, "content_block": start}))
            events += [("content_block_delta", {"type": "content_block_delta", "index": index, "delta": d}) for d in deltas]
            events.append(("content_block_stop", {"type": "content_block_stop", "index": index}))
        events.append(("message_delta", {"type": "message_delta", "delta": {"stop_reason": stop, "stop_sequence": None},
                                         "usage": {"output_tokens": 10}}))
        events.append(("message_stop", {"type": "message_stop"}))
        self.send_events(events)


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8766
    ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
