"""Who may see what: the login, the account, the audit log, users and settings."""

TEXTS: dict[str, dict[str, str]] = {
    # pages
    "page.audit": {"zh": "审计日志", "en": "Audit log"},
    "page.users": {"zh": "用户管理", "en": "Users"},
    "page.settings": {"zh": "系统设置", "en": "Settings"},
    "page.account": {"zh": "我的账号", "en": "My account"},
    # login
    "login.title": {"zh": "登录", "en": "Sign in"},
    "login.intro": {
        "zh": "智慧一张图只对已登录的用户显示数据。",
        "en": "OneMap shows its data to signed-in users only.",
    },
    "login.username": {"zh": "用户名", "en": "Username"},
    "login.password": {"zh": "密码", "en": "Password"},
    "login.submit": {"zh": "登录", "en": "Sign in"},
    "login.sso": {"zh": "通过统一身份认证登录", "en": "Sign in with single sign-on"},
    "login.wrong": {"zh": "用户名或密码不正确", "en": "Wrong username or password"},
    "login.locked": {
        "zh": "登录失败次数过多，请 {minutes} 分钟后再试",
        "en": "Too many failed sign-ins: try again in {minutes} minutes",
    },
    "login.disabled": {"zh": "该账号已停用，请联系管理员", "en": "This account is disabled: ask an administrator"},
    "login.no_password": {
        "zh": "该账号只能通过统一身份认证登录",
        "en": "This account signs in through single sign-on only",
    },
    "login.sso_unknown": {
        "zh": "统一身份认证账号 {name} 未在本系统开通，请联系管理员",
        "en": "The single sign-on account {name} has no OneMap user: ask an administrator",
    },
    "login.expired": {
        "zh": "超过 {minutes} 分钟未操作，已自动退出，请重新登录",
        "en": "Signed out after {minutes} minutes without activity: please sign in again",
    },
    "login.ended": {"zh": "账号已停用或已删除，已退出", "en": "The account was disabled or removed: signed out"},
    "login.first_admin": {
        "zh": "首次启动：已创建管理员账号 admin，一次性密码已打印在启动服务器的终端里（首次登录后须修改）。"
        "忘记时可在服务器上运行 python -m access reset admin。",
        "en": "First start: the administrator 'admin' was created; its one-time password was printed in the "
        "terminal that started the server (to be changed at the first sign-in). Lost it? Run "
        "python -m access reset admin on the server.",
    },
    # the signed-in user
    "account.signed_in": {"zh": "{name}（{role}）", "en": "{name} ({role})"},
    "account.area": {"zh": "限于区域：{area}", "en": "Limited to: {area}"},
    "account.everywhere": {"zh": "全部区域", "en": "All areas"},
    "account.sign_out": {"zh": "退出登录", "en": "Sign out"},
    "account.change_title": {"zh": "修改密码", "en": "Change password"},
    "account.must_change": {
        "zh": "这是一次性密码，请先设置自己的密码",
        "en": "This is a one-time password: choose your own first",
    },
    "account.current": {"zh": "当前密码", "en": "Current password"},
    "account.new": {"zh": "新密码", "en": "New password"},
    "account.repeat": {"zh": "再次输入新密码", "en": "New password again"},
    "account.mismatch": {"zh": "两次输入的新密码不一致", "en": "The new passwords differ"},
    "account.changed": {"zh": "密码已修改", "en": "Password changed"},
    "account.policy": {
        "zh": "至少 {min} 个字符，不含用户名，不用常见密码",
        "en": "At least {min} characters, not containing the username, not a well-known password",
    },
    "role.screen": {"zh": "大屏", "en": "Wall screen"},
    "role.analyst": {"zh": "分析员", "en": "Analyst"},
    "role.supervisor": {"zh": "主管", "en": "Supervisor"},
    "role.admin": {"zh": "管理员", "en": "Administrator"},
    # what a role does not show
    "access.area_denied": {
        "zh": "你的账号限于 {area}，已显示该区域",
        "en": "Your account is limited to {area}: showing it",
    },
    "access.no_details": {
        "zh": "大屏账号只显示汇总，不显示单个案件",
        "en": "A wall-screen account shows totals only, no single cases",
    },
    # audit
    "audit.intro": {
        "zh": "每次登录（含失败）、导出、报告下载和案件明细查看都记录在此，只能追加，不能修改或删除。",
        "en": "Every sign-in (failed ones too), export, report download and case view is written here; "
        "rows can be added, never changed or removed.",
    },
    "audit.of_area": {"zh": "仅显示 {area} 及其下级区域的记录", "en": "Rows of {area} and the areas under it only"},
    "audit.days": {"zh": "日期", "en": "Days"},
    "audit.actions": {"zh": "操作", "en": "Actions"},
    "audit.user": {"zh": "用户名", "en": "Username"},
    "audit.rows_shown": {"zh": "共 {rows} 条记录", "en": "{rows} rows"},
    "audit.download": {"zh": "导出审计日志 CSV", "en": "Audit log CSV"},
    "audit.chain_ok": {"zh": "审计日志完整（哈希链校验通过）", "en": "The audit log is intact (hash chain checked)"},
    "audit.chain_broken": {
        "zh": "审计日志的哈希链断裂：有记录在本系统之外被删除或修改",
        "en": "The audit log's hash chain is broken: rows were removed or changed outside OneMap",
    },
    "action.login": {"zh": "登录", "en": "Sign-in"},
    "action.login_failed": {"zh": "登录失败", "en": "Failed sign-in"},
    "action.logout": {"zh": "退出", "en": "Sign-out"},
    "action.session_expired": {"zh": "超时退出", "en": "Session expired"},
    "action.export": {"zh": "导出", "en": "Export"},
    "action.report_download": {"zh": "下载报告", "en": "Report download"},
    "action.case_view": {"zh": "查看案件明细", "en": "Case details viewed"},
    "action.audit_export": {"zh": "导出审计日志", "en": "Audit log exported"},
    "action.user_change": {"zh": "用户变更", "en": "User changed"},
    "col.id": {"zh": "序号", "en": "No."},
    "col.at": {"zh": "时间", "en": "Time"},
    "col.username": {"zh": "用户名", "en": "Username"},
    "col.role": {"zh": "角色", "en": "Role"},
    "col.area": {"zh": "区域", "en": "Area"},
    "col.action": {"zh": "操作", "en": "Action"},
    "col.view": {"zh": "视图（URL 参数）", "en": "View (URL query)"},
    "col.rows": {"zh": "行数", "en": "Rows"},
    "col.detail": {"zh": "说明", "en": "Detail"},
    "col.client": {"zh": "客户端地址", "en": "Client address"},
    # users
    "users.add": {"zh": "新增用户", "en": "Add a user"},
    "users.display_name": {"zh": "姓名", "en": "Display name"},
    "users.role": {"zh": "角色", "en": "Role"},
    "users.area": {"zh": "限定区域", "en": "Bound to area"},
    "users.sso": {"zh": "仅统一身份认证（无密码）", "en": "Single sign-on only (no password)"},
    "users.added": {
        "zh": "已新增 {name}。一次性密码（只显示这一次）：{password}",
        "en": "Added {name}. One-time password (shown this once): {password}",
    },
    "users.added_sso": {"zh": "已新增 {name}（统一身份认证）", "en": "Added {name} (single sign-on)"},
    "users.edit": {"zh": "修改用户", "en": "Change a user"},
    "users.pick": {"zh": "用户", "en": "User"},
    "users.enabled": {"zh": "启用", "en": "Enabled"},
    "users.save": {"zh": "保存", "en": "Save"},
    "users.saved": {
        "zh": "已保存，{name} 下次打开页面时生效",
        "en": "Saved: it applies at {name}'s next page load",
    },
    "users.reset": {"zh": "重置密码", "en": "Reset password"},
    "users.reset_done": {
        "zh": "{name} 的一次性密码（只显示这一次）：{password}",
        "en": "{name}'s one-time password (shown this once): {password}",
    },
    "users.self": {"zh": "不能停用自己或改变自己的角色", "en": "You cannot disable yourself or change your own role"},
    "users.col_status": {"zh": "状态", "en": "Status"},
    "users.active": {"zh": "启用", "en": "enabled"},
    "users.disabled": {"zh": "停用", "en": "disabled"},
    "users.must_change": {"zh": "待改密码", "en": "must change password"},
    "users.cli": {
        "zh": "也可在服务器上用命令行管理：python -m access --help",
        "en": "Also from a shell on the server: python -m access --help",
    },
    # settings
    "settings.intro": {
        "zh": "当前生效的设置。修改请编辑 {file} 或设置 ONEMAP_<名称> 环境变量，然后重启服务。",
        "en": "The settings in force. Change them in {file} or with ONEMAP_<NAME> environment variables, "
        "then restart the server.",
    },
    "settings.name": {"zh": "名称", "en": "Name"},
    "settings.value": {"zh": "值", "en": "Value"},
    "settings.hidden": {"zh": "（已隐藏）", "en": "(hidden)"},
}
