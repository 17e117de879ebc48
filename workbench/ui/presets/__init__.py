"""The Presets tab: the board of presets (`board`), running them (`runs`), the author's actions (`view`), its dialogs."""
