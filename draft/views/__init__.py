"""The draft app's pages, one module per concern (draft/urls.py names each view by its module):
leagues and their members, the board and the pick, the chat, the commissioner's console, the
queue, films, the log and exports, mail settings. What several of them use is in `shared`."""
