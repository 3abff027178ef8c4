"""Which data the screens show: the demo city's label, and the missing database."""

TEXTS: dict[str, dict[str, str]] = {
    "dataset.demo": {"zh": "演示数据", "en": "Demo data"},
    "dataset.demo_note": {
        "zh": "本库为生成的演示城市，案件均为虚构；真实数据请导入另一个数据库",
        "en": "A generated demo city: every case is invented. Load real data into another database",
    },
    "dataset.missing": {
        "zh": "找不到数据库：{problem}。请检查设置 db_path（ONEMAP_DB_PATH 或 onemap.toml）是否写错、"
        "所在磁盘是否已挂载；新建请运行 `python -m etl --db {path} init` 后导入数据，"
        "演示请运行 `python -m demo --db {path}`，或设置 demo_on_first_start = true。",
        "en": "No database: {problem}. Check the setting db_path (ONEMAP_DB_PATH or onemap.toml) for a typo or a "
        "volume not mounted; to start one run `python -m etl --db {path} init` and load data, for the demo city "
        "`python -m demo --db {path}`, or set demo_on_first_start = true.",
    },
}
