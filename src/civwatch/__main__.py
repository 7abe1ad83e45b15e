from civwatch.cli import main

if __name__ == "__main__":  # not when a worker process of `civwatch verify` imports it
    main()
