"""The official OpenAI and Anthropic Python SDKs against copilot-api (driven by tests/it/sdk.rs,
which scripts the fake upstream in the same order). Prints one JSON object of what each client
saw; any SDK exception fails the run."""

import json
import os
import sys

import anthropic
import openai

BASE = os.environ["COPILOT_API_URL"]
out = {"versions": {"openai": openai.__version__, "anthropic": anthropic.__version__}}

oa = openai.OpenAI(base_url=BASE + "/v1", api_key="unused", max_retries=0)
an = anthropic.Anthropic(base_url=BASE, api_key="unused", max_retries=0)

CHAT_ONLY = "claude-haiku-4.5"
RESPONSES_ONLY = "gpt-5.1-codex"
weather = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}

# --- The Responses client on a chat-only model -------------------------------------------
r = oa.responses.create(model=CHAT_ONLY, input="Say hello.")
out["responses_text"] = r.output_text

with oa.responses.stream(model=CHAT_ONLY, input="Say hello, streamed.") as stream:
    kinds = [event.type for event in stream]
    final = stream.get_final_response()
out["responses_stream_text"] = final.output_text
out["responses_stream_last_event"] = kinds[-1]

tools = [{"type": "function", "name": "get_weather", "parameters": weather}]
first = oa.responses.create(model=CHAT_ONLY, input="Weather in Paris?", tools=tools)
call = next(item for item in first.output if item.type == "function_call")
out["responses_call"] = {"name": call.name, "arguments": json.loads(call.arguments)}
second = oa.responses.create(
    model=CHAT_ONLY,
    tools=tools,
    input=[{"role": "user", "content": "Weather in Paris?"}]
    + [item.model_dump(exclude_none=True) for item in first.output]
    + [{"type": "function_call_output", "call_id": call.call_id, "output": "sunny"}],
)
out["responses_after_tool"] = second.output_text

thought = oa.responses.create(model=CHAT_ONLY, input="Think, then answer.", reasoning={"effort": "low"})
reasoning = next(item for item in thought.output if item.type == "reasoning")
out["responses_reasoning"] = {
    "summary": reasoning.summary[0].text,
    "encrypted": reasoning.encrypted_content,
    "answer": thought.output_text,
}

# --- The Anthropic client on a Responses-only model --------------------------------------
m = an.messages.create(model=RESPONSES_ONLY, max_tokens=200, messages=[{"role": "user", "content": "Say hi."}])
out["messages_text"] = m.content[0].text
out["messages_stop"] = m.stop_reason

with an.messages.stream(model=RESPONSES_ONLY, max_tokens=200, messages=[{"role": "user", "content": "Stream hi."}]) as stream:
    streamed = "".join(stream.text_stream)
    final = stream.get_final_message()
out["messages_stream_text"] = streamed
out["messages_stream_usage"] = final.usage.output_tokens

a_tools = [{"name": "get_weather", "description": "Weather of a city", "input_schema": weather}]
first = an.messages.create(model=RESPONSES_ONLY, max_tokens=200, tools=a_tools,
                           messages=[{"role": "user", "content": "Weather in Paris?"}])
use = next(block for block in first.content if block.type == "tool_use")
out["messages_call"] = {"name": use.name, "input": use.input, "stop": first.stop_reason}
second = an.messages.create(
    model=RESPONSES_ONLY, max_tokens=200, tools=a_tools,
    messages=[
        {"role": "user", "content": "Weather in Paris?"},
        {"role": "assistant", "content": [block.model_dump(exclude_none=True) for block in first.content]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": use.id, "content": "sunny"}]},
    ],
)
out["messages_after_tool"] = second.content[0].text

thinking = an.messages.create(model=RESPONSES_ONLY, max_tokens=4000,
                              thinking={"type": "enabled", "budget_tokens": 2000},
                              messages=[{"role": "user", "content": "Think, then answer."}])
block = thinking.content[0]
out["messages_thinking"] = {"type": block.type, "thinking": block.thinking, "signature": block.signature,
                            "answer": thinking.content[1].text}

# --- Chat completions and legacy completions ---------------------------------------------
c = oa.chat.completions.create(model=RESPONSES_ONLY, messages=[{"role": "user", "content": "Hi"}])
out["chat_text"] = c.choices[0].message.content
chunks = list(oa.chat.completions.create(model=RESPONSES_ONLY, stream=True,
                                         messages=[{"role": "user", "content": "Hi"}]))
out["chat_stream_text"] = "".join(ch.choices[0].delta.content or "" for ch in chunks if ch.choices)
out["chat_stream_finish"] = [ch.choices[0].finish_reason for ch in chunks if ch.choices and ch.choices[0].finish_reason]

legacy = oa.completions.create(model="gpt-4o", prompt="Once upon", max_tokens=5)
out["legacy_text"] = legacy.choices[0].text
legacy_chunks = list(oa.completions.create(model="gpt-4o", prompt="Once upon", max_tokens=5, stream=True))
out["legacy_stream_text"] = "".join(ch.choices[0].text for ch in legacy_chunks if ch.choices)

json.dump(out, sys.stdout)
