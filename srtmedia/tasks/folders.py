"""Where a task's files live: <data dir>/tasks/<user>/<uuid>/."""
import json
import os
import shutil

from srtmedia.tasks.ids import split_task_id

RESULT_NAME = "result.json"
# The uploads as stored: fixed names, never the client's.
SUBTITLES_NAME, MEDIA_NAME = "subtitles.srt", "media"


def task_folder(data_dir, task_id):
    user, task_uuid = split_task_id(task_id)
    return os.path.join(data_dir, "tasks", user, task_uuid)


def create_task_folder(data_dir, task_id):
    folder = task_folder(data_dir, task_id)
    os.makedirs(folder, exist_ok=True)
    return folder


def result_path(data_dir, task_id):
    return os.path.join(task_folder(data_dir, task_id), RESULT_NAME)


def write_result(data_dir, task_id, result):
    """Write the result JSON atomically (readers never see half a file); return its path."""
    path = result_path(data_dir, task_id)
    partial = path + ".partial"
    with open(partial, "w", encoding="utf-8") as out:
        json.dump(result, out, ensure_ascii=False, separators=(",", ":"))
    os.replace(partial, path)
    return path


def remove_task_files(data_dir, task_id):
    shutil.rmtree(task_folder(data_dir, task_id), ignore_errors=True)


def stored_task_ids(data_dir):
    """Task ids that have a folder, from the folder names."""
    root = os.path.join(data_dir, "tasks")
    if not os.path.isdir(root):
        return
    for user in os.listdir(root):
        user_dir = os.path.join(root, user)
        if os.path.isdir(user_dir):
            for task_uuid in os.listdir(user_dir):
                yield f"{user}:{task_uuid}", os.path.join(user_dir, task_uuid)
