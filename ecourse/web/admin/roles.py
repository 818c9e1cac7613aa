"""Who may open what in the admin area: one table, checked before every admin view.

An owner may do everything. An editor works on the lessons: the courses, the editor, the
previews, a test email to themselves (and the previews its links open), lesson files in and
out, and the exercises' audio guides; and on their own account.
Nothing that shows a learner (the dashboard's numbers, subscribers, the audit page) and no
admin management. Every endpoint not named here is for owners only, so a new page is closed
to editors until someone decides otherwise.
"""

from __future__ import annotations

from ecourse.core.statuses import AdminRole

EDITOR_ENDPOINTS = frozenset(
    {
        "admin.courses",
        "admin.course",
        "admin.new_lesson",
        "admin.edit_lesson",
        "admin.move_lesson",
        "admin.upload_audio",
        "admin.remove_audio",
        "admin.page_preview",
        "admin.email_preview",
        "admin.send_test",
        "admin.sample_page",
        "admin.export_course",
        "admin.import_course",
        "admin.account",
        "admin.account_password",
        "admin.totp_setup",
        "admin.totp_off",
        "admin.recovery_codes",
        "admin.logout",
    }
)
# The first page after logging in, by role.
HOME = {AdminRole.OWNER: "admin.dashboard", AdminRole.EDITOR: "admin.courses"}


def allows(role: AdminRole, endpoint: str | None) -> bool:
    return role == AdminRole.OWNER or endpoint in EDITOR_ENDPOINTS
