from release_actions.cli import program

program()
