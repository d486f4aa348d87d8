import { render } from 'preact';
import { App } from './app';

const root = document.getElementById('app') as HTMLElement;
render(<App />, root);
