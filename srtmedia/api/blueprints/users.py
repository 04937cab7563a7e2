"""GET /users/me/tasks: the caller's tasks, newest first."""
from flask import Blueprint, request

from srtmedia.api.blueprints import current_user, services
from srtmedia.api.schemas import TaskListQuerySchema, TaskListSchema, load

bp = Blueprint("users", __name__)


@bp.get("/users/me/tasks")
def my_tasks():
    """Active tasks in full; finished ones (with include_completed=true) paged by limit and cursor."""
    user = current_user()
    query = load(TaskListQuerySchema(), request.args.to_dict())
    active, finished, next_cursor, total_active, total_finished = services().store.list_for_user(
        user, include_completed=query["include_completed"], limit=query["limit"], cursor=query["cursor"])
    return TaskListSchema().dump({
        "user_id": user, "active_tasks": active, "completed_tasks": finished,
        "total_active": total_active, "total_completed": total_finished, "next_cursor": next_cursor,
    })
