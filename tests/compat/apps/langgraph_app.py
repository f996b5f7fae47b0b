"""A LangGraph agent over langchain-openai's ChatOpenAI (streaming), traced by the LangSmith SDK to
LANGSMITH_ENDPOINT; a thumbs-down from the app's user is sent as feedback on the root run."""

from typing import Annotated, TypedDict

from langchain_core.messages import AnyMessage, HumanMessage, SystemMessage
from langchain_core.tools import tool
from langchain_core.tracers.context import collect_runs
from langchain_core.tracers.langchain import wait_for_all_tracers
from langchain_openai import ChatOpenAI
from langgraph.graph import START, StateGraph
from langgraph.graph.message import add_messages
from langgraph.prebuilt import ToolNode, tools_condition
from langsmith import Client


@tool
def lookup_order(order_id: str) -> dict:
    """The status of an order."""
    return {"order_id": order_id, "status": "shipped"}


class State(TypedDict):
    messages: Annotated[list[AnyMessage], add_messages]


model = ChatOpenAI(model="gpt-4o-mini", streaming=True, stream_usage=True).bind_tools([lookup_order])


def agent(state: State) -> dict:
    return {"messages": [model.invoke(state["messages"])]}


graph = StateGraph(State)
graph.add_node("agent", agent)
graph.add_node("tools", ToolNode([lookup_order]))
graph.add_edge(START, "agent")
graph.add_conditional_edges("agent", tools_condition)
graph.add_edge("tools", "agent")
app = graph.compile()

with collect_runs() as runs:
    result = app.invoke(
        {"messages": [SystemMessage("Answer from the order system."), HumanMessage("Where is order 7?")]},
        config={
            "run_name": "support-bot",
            "metadata": {"session_id": "conv-7", "tier": "gold"},
            "tags": ["returns"],
        },
    )
root_id = next(run.id for run in runs.traced_runs if run.name == "support-bot")
print("root", root_id)
print(result["messages"][-1].content)
wait_for_all_tracers()
client = Client()
client.create_feedback(root_id, key="user_score", score=0, comment="still waiting")
client.flush()
